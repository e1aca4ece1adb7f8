/**
 * Applications (OpenID Connect clients) as the pages describe them: what a scope lets an app
 * see, a grant in words, and the admin form's list of URIs, one per line. Pure functions.
 */

/** What each scope lets an application do, in the reader's words, in the order they are said. */
const SCOPE_WORDS: Readonly<Record<string, string>> = {
  openid: "know who you are",
  profile: "see your name",
  email: "see your email address",
  offline_access: "stay signed in while you are away",
  roles: "see your roles and permissions",
};
const SCOPE_ORDER = Object.keys(SCOPE_WORDS);

/** Where a scope comes in a sentence: the known ones in `SCOPE_WORDS` order, then the rest. */
function rank(scope: string): number {
  const index = SCOPE_ORDER.indexOf(scope);
  return index < 0 ? SCOPE_ORDER.length : index;
}

/** "Can know who you are, see your email address and stay signed in while you are away." */
export function describeScopes(scopes: readonly string[]): string {
  const ordered = [...new Set(scopes)].sort((a, b) => rank(a) - rank(b));
  const words = ordered.map((scope) => SCOPE_WORDS[scope] ?? `use “${scope}”`);
  if (words.length === 0) return "Can sign you in.";
  const list =
    words.length === 1 ? words[0]! : `${words.slice(0, -1).join(", ")} and ${words.at(-1)!}`;
  return `Can ${list}.`;
}

/** Short words for a grant type, as the list shows it. */
export function grantName(grant: string): string {
  switch (grant) {
    case "authorization_code":
      return "authorization code";
    case "refresh_token":
      return "refresh tokens";
    case "client_credentials":
      return "client credentials";
    case "urn:ietf:params:oauth:grant-type:device_code":
      return "device code";
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
