/**
 * Applications (OpenID Connect clients) as the pages describe them: what a scope lets an app
 * see, a grant in words, and the admin form's list of URIs, one per line. Pure functions; the
 * words come from the catalogue (`common.`).
 */
import { t } from "./i18n.js";

/**
 * What each scope lets an application do, in the reader's words (`common.app_scope_*`), in the
 * order they are said.
 */
const SCOPE_ORDER = ["openid", "profile", "email", "offline_access", "roles"];

/** Where a scope comes in a sentence: the known ones in `SCOPE_ORDER`, then the rest. */
function rank(scope: string): number {
  const index = SCOPE_ORDER.indexOf(scope);
  return index < 0 ? SCOPE_ORDER.length : index;
}

/** "A, B and C" in the page's language. */
function listAnd(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? "";
  return t("common.list_and", { first: words.slice(0, -1).join(", "), last: words.at(-1)! });
}

/** "Can know who you are, see your email address and stay signed in while you are away." */
export function describeScopes(scopes: readonly string[]): string {
  const ordered = [...new Set(scopes)].sort((a, b) => rank(a) - rank(b));
  const words = ordered.map((scope) =>
    SCOPE_ORDER.includes(scope)
      ? t(`common.app_scope_${scope}`)
      : t("common.scope_other", { scope }),
  );
  if (words.length === 0) return t("common.app_can_sign_in");
  return t("common.app_can", { list: listAnd(words) });
}

/** Short words for a grant type, as the list shows it. */
export function grantName(grant: string): string {
  switch (grant) {
    case "authorization_code":
      return t("common.grant_authorization_code");
    case "refresh_token":
      return t("common.grant_refresh_token");
    case "client_credentials":
      return t("common.grant_client_credentials");
    case "urn:ietf:params:oauth:grant-type:device_code":
      return t("common.grant_device_code");
    default:
      return grant;
  }
}

/** The URIs of a text area, one per line: trimmed, blank lines dropped, each once. */
export function uriLines(text: string): string[] {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return [...new Set(lines)];
}
