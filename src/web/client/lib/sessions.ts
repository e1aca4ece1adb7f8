/** The sessions of a user as the pages show them ("Where you're signed in", the admin's count). */
import { api, apiPage, userPath } from "./api.js";
import { formatDateTime } from "./text.js";
import type { SessionView } from "./types.js";

/** Most pages of sessions read (200 each): a bound on the loop, far above any real person. */
const MAX_SESSION_PAGES = 10;

/**
 * `GET /users/{id}/sessions`: live sessions, the current one first, then newest first; every
 * page (the server answers a page at a time), so "end them all" ends them all.
 */
export async function loadSessions(userId: string): Promise<SessionView[]> {
  const path = userPath(userId, "/sessions?limit=200");
  const sessions: SessionView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_SESSION_PAGES; page += 1) {
    const next: string = cursor === null ? path : `${path}&cursor=${encodeURIComponent(cursor)}`;
    const { items, nextCursor } = await apiPage<SessionView>(next);
    sessions.push(...items);
    cursor = nextCursor;
    if (cursor === null) break;
  }
  return sessions;
}

/** Ends one session of a user. */
export async function endSession(userId: string, sessionId: string): Promise<void> {
  await api("DELETE", userPath(userId, `/sessions/${encodeURIComponent(sessionId)}`));
}

const METHOD_NAMES: Readonly<Record<string, string>> = {
  pwd: "password",
  otp: "authenticator app",
  webauthn: "passkey",
  passkey: "passkey",
  recovery: "recovery code",
};

/** "Password + authenticator app", "Passkey", … from the session's `amr`. */
export function describeAmr(amr: readonly string[]): string {
  const names = amr.map((method) => METHOD_NAMES[method] ?? method);
  const text = names.length === 0 ? "unknown" : names.join(" + ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One line of details: address, last active, how. */
export function describeSession(session: SessionView): string {
  return [
    session.ip ?? "Unknown address",
    `Last active ${formatDateTime(session.last_seen_at)}`,
    `Signed in with ${describeAmr(session.amr).toLowerCase()}`,
  ].join(" · ");
}

/** How many sessions, in words. */
export function sessionCountText(count: number): string {
  return count === 1 ? "1 session" : `${count} sessions`;
}
