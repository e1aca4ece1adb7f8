/** The sessions of a user as the pages show them ("Where you're signed in", the admin's count). */
import { api, apiPage, userPath } from "./api.js";
import { pageLocale, t } from "./i18n.js";
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

/** The catalogue key of each sign-in method of a session's `amr`, as said in a sentence. */
const METHOD_NAMES: Readonly<Record<string, string>> = {
  pwd: "common.amr_pwd",
  otp: "common.amr_otp",
  webauthn: "common.amr_passkey",
  passkey: "common.amr_passkey",
  recovery: "common.amr_recovery",
};

/** "password + authenticator app", as said in a sentence, from the session's `amr`. */
function methodsText(amr: readonly string[]): string {
  const names = amr.map((method) => {
    const key = METHOD_NAMES[method];
    return key === undefined ? method : t(key);
  });
  return names.length === 0 ? t("common.amr_unknown") : names.join(" + ");
}

/** "Password + authenticator app", "Passkey", … from the session's `amr`. */
export function describeAmr(amr: readonly string[]): string {
  const text = methodsText(amr);
  return text.charAt(0).toLocaleUpperCase(pageLocale()) + text.slice(1);
}

/** One line of details: address, last active, how. */
export function describeSession(session: SessionView): string {
  return t("common.session_details", {
    address: session.ip ?? t("common.session_unknown_address"),
    when: formatDateTime(session.last_seen_at),
    methods: methodsText(session.amr),
  });
}

/** How many sessions, in words. */
export function sessionCountText(count: number): string {
  return t("common.session_count", { count });
}
