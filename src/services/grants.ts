/**
 * What a user holds (issue 23 item 2): their roles and the union of the roles' permissions, as
 * `GET /me`, access tokens, introspection, the OpenID Connect claims and a host route's
 * `permissions` read them. One function, `permissionsOfUser`, answers from the per-process
 * session cache when it is trusted (no database read) and from two indexed reads otherwise.
 *
 * Freshness is the session cache's: a change of a user's roles is announced as a user event,
 * a change of a role's permissions (or its deletion) as an "all" event (`announceGrantsChange`
 * in `roles/roles.ts`), both reaching every instance as a revocation does. `admin` is held by
 * exactly the users with `is_admin` (the store reads the flag), so promoting or demoting,
 * which already announce a user event, changes the role with no extra step.
 */
import { rolesOfUser } from "../store/index.js";
import type { ServiceContext } from "./context.js";
import type { Grants } from "./session-cache.js";

export type { Grants } from "./session-cache.js";

/** No roles, no permissions (a user who is gone holds nothing). */
const NOTHING: Grants = Object.freeze({ roles: Object.freeze([]), permissions: Object.freeze([]) });

/**
 * The roles and permissions `userId` holds now, each sorted and each once; nothing for a user
 * who does not exist. Cached per process until the user's or a role's next change.
 */
export async function permissionsOfUser(
  ctx: Pick<ServiceContext, "db" | "sessionCache">,
  userId: string,
): Promise<Grants> {
  const cache = ctx.sessionCache;
  const hit = cache?.getGrants(userId);
  if (hit !== undefined) return hit;
  const generation = cache?.generation() ?? 0;
  const held = await rolesOfUser(ctx.db, userId);
  const grants: Grants =
    held === undefined
      ? NOTHING
      : Object.freeze({
          roles: Object.freeze(held.map((role) => role.name).sort()),
          permissions: Object.freeze([...new Set(held.flatMap((r) => r.permissions))].sort()),
        });
  cache?.setGrants(userId, grants, generation);
  return grants;
}

/** The grants as the wire and the tokens carry them (fresh arrays, snake_case as the seed). */
export function grantsClaims(grants: Grants): { roles: string[]; permissions: string[] } {
  return { roles: [...grants.roles], permissions: [...grants.permissions] };
}
