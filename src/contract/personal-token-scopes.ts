/**
 * The one vocabulary of scopes a personal access token may carry (issue 23 item 1), and the
 * token's prefix: plain data with no imports, so the pages can import it without schema code.
 * A scope is `resource:action`; Tessera's own are listed here with who holds them and what they
 * open; a host app's permissions (roles, issue 23 item 2) join them through the services'
 * `scopesOfUser` (src/services/access-scopes.ts).
 */

/**
 * Every token starts with this fixed prefix, so secret scanners find a leaked one (GitHub's
 * `ghp_` idea): `tsr_pat_` + 43 base62 characters (256 random bits) + 6 base62 characters of
 * the CRC32 of everything before them. 57 characters in all.
 */
export const PERSONAL_TOKEN_PREFIX = "tsr_pat_";

/**
 * Tessera's own scopes: who holds each (today `is_admin` decides; roles extend it in the
 * services' `scopesOfUser`) and what it opens (the README's table says the same). No scope
 * opens a change of a password, an email address, a factor, a session or a token, nor
 * re-authentication: those routes take no token at all. Acting on another user's
 * `/users/{id}/…` also needs `users:read` (reads) or `users:write`.
 */
export const PERSONAL_TOKEN_SCOPES = Object.freeze({
  "profile:read": {
    heldBy: "everyone",
    opens: "GET /me, and one's own email, factors' state, activity, applications and tokens",
  },
  "sessions:read": { heldBy: "everyone", opens: "GET /users/{id}/sessions" },
  "users:read": {
    heldBy: "admins",
    opens: "GET /users, and other users' /users/{id}/… reads",
  },
  "users:write": {
    heldBy: "admins",
    opens: "create, promote, demote, lock, unlock, invite and delete users",
  },
  "audit:read": { heldBy: "admins", opens: "GET /audit" },
  "applications:read": { heldBy: "admins", opens: "GET /applications" },
} as const satisfies Record<string, { heldBy: "everyone" | "admins"; opens: string }>);

/** One of Tessera's own scopes. */
export type TesseraScope = keyof typeof PERSONAL_TOKEN_SCOPES;
