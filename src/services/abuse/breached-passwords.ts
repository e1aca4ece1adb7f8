/**
 * The optional online breach check (`TESSERA_BREACHED_PASSWORDS_URL`): a k-anonymity range
 * query in the Pwned Passwords style. Only the first 5 hex characters of the password's SHA-1
 * leave the server; the answer lists the suffixes of every breached hash with that prefix
 * (`SUFFIX:COUNT` lines, padding entries with count 0 ignored) and the match is made here.
 * A timeout of 2 s; when the service cannot answer, `failMode` decides: `closed` (the default
 * when configured) refuses to set the password for now (503), `open` lets it through.
 */
import { createHash } from "node:crypto";
import { InternalError } from "../../core/errors.js";

/** Longest wait for the range service (issue 11: 2 s). */
export const BREACHED_PASSWORDS_TIMEOUT_MS = 2_000;

export interface BreachedPasswordsSettings {
  /** The range endpoint's prefix; the 5 hex characters are appended (…/range/ABCDE). */
  readonly url: string;
  readonly failMode: "open" | "closed";
}

/**
 * Whether the password is in the breach corpus; null when the service did not answer and
 * `failMode` is open.
 * @throws InternalError `service_unavailable` when it did not answer and `failMode` is closed.
 */
export async function isBreachedPassword(
  password: string,
  settings: BreachedPasswordsSettings,
  timeoutMs: number = BREACHED_PASSWORDS_TIMEOUT_MS,
): Promise<boolean | null> {
  const hash = createHash("sha1").update(password, "utf8").digest("hex").toUpperCase();
  const prefix = hash.slice(0, 5);
  const suffix = hash.slice(5);
  let body: string;
  try {
    const response = await fetch(`${settings.url}${prefix}`, {
      headers: { "add-padding": "true", accept: "text/plain" },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
    if (!response.ok) throw new Error(`range service answered ${response.status}`);
    body = await response.text();
  } catch (error) {
    if (settings.failMode === "open") return null;
    throw new InternalError("The breached-password check is unavailable; try again later", {
      code: "service_unavailable",
      cause: error,
    });
  }
  for (const line of body.split("\n")) {
    const [candidate, count] = line.trim().split(":");
    if (candidate?.toUpperCase() === suffix && Number(count) > 0) return true;
  }
  return false;
}
