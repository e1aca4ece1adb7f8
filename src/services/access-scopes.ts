/**
 * The scopes a user holds now (issue 23): what a personal access token of theirs may open at
 * most. A token's effective scopes are `token.scopes ∩ scopesOfUser(user)`, computed at every
 * use from the user as the session cache holds them, so a demoted admin's token loses the admin
 * scopes at once (the demotion announces a user event that evicts the cached user).
 *
 * This is the ONE place that says who holds which scope. Today it derives Tessera's own scopes
 * from `is_admin`; roles and permissions (issue 23 item 2) extend it here. The vocabulary and
 * what each scope opens are in `src/contract/personal-tokens.ts` (`TESSERA_SCOPES`).
 */
import { TESSERA_SCOPES, type TesseraScope } from "../contract/index.js";
import type { PublicUser } from "./users-view.js";

const ALL = Object.keys(TESSERA_SCOPES) as TesseraScope[];

/** What every signed-in user holds. */
export const EVERYONE_SCOPES: readonly TesseraScope[] = Object.freeze(
  ALL.filter((scope) => TESSERA_SCOPES[scope].heldBy === "everyone"),
);

/** What an admin holds besides. */
export const ADMIN_SCOPES: readonly TesseraScope[] = Object.freeze(
  ALL.filter((scope) => TESSERA_SCOPES[scope].heldBy === "admins"),
);

/** The scopes `user` holds now. */
export function scopesOfUser(user: PublicUser): ReadonlySet<string> {
  return new Set<string>(user.isAdmin ? [...EVERYONE_SCOPES, ...ADMIN_SCOPES] : EVERYONE_SCOPES);
}

/** The scopes of `requested` that `user` holds now (a token's effective scopes). */
export function effectiveScopes(requested: readonly string[], user: PublicUser): readonly string[] {
  const held = scopesOfUser(user);
  return requested.filter((scope) => held.has(scope));
}
