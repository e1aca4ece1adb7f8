/**
 * The scopes a user holds now (issue 23): what a personal access token of theirs may open at
 * most. A token's effective scopes are `token.scopes ∩ scopesOfUser(user)`, computed at every
 * use from the user as the session cache holds them, so a demoted admin's token loses the admin
 * scopes at once (the demotion announces a user event that evicts the cached user).
 *
 * This is the ONE place that says who holds which scope: Tessera's own scopes from `is_admin`,
 * plus every permission the user's roles grant (issue 23 item 2: an app's `invoices:write`, or
 * one of Tessera's own scopes a role holds), as `permissionsOfUser` reads them from the session
 * cache. The vocabulary and what each scope opens are in `src/contract/personal-tokens.ts`
 * (`PERSONAL_TOKEN_SCOPES`).
 */
import { PERSONAL_TOKEN_SCOPES, type TesseraScope } from "../contract/index.js";
import type { Grants } from "./grants.js";
import type { PublicUser } from "./users-view.js";

const ALL = Object.keys(PERSONAL_TOKEN_SCOPES) as TesseraScope[];

/** What every signed-in user holds. */
export const EVERYONE_SCOPES: readonly TesseraScope[] = Object.freeze(
  ALL.filter((scope) => PERSONAL_TOKEN_SCOPES[scope].heldBy === "everyone"),
);

/** What an admin holds besides. */
export const ADMIN_SCOPES: readonly TesseraScope[] = Object.freeze(
  ALL.filter((scope) => PERSONAL_TOKEN_SCOPES[scope].heldBy === "admins"),
);

/** The scopes `user` holds now, given the roles' `grants` (`permissionsOfUser`). */
export function scopesOfUser(user: PublicUser, grants: Grants): ReadonlySet<string> {
  const own = user.isAdmin ? [...EVERYONE_SCOPES, ...ADMIN_SCOPES] : EVERYONE_SCOPES;
  return new Set<string>([...own, ...grants.permissions]);
}

/** The scopes of `requested` that `user` holds now (a token's effective scopes). */
export function effectiveScopes(
  requested: readonly string[],
  user: PublicUser,
  grants: Grants,
): readonly string[] {
  const held = scopesOfUser(user, grants);
  return requested.filter((scope) => held.has(scope));
}
