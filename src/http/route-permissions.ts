/**
 * A host app's route-level `permissions` (issue 23 item 2): a route registered after the
 * Tessera plugin with `config: { permissions: ["invoices:write"] }` answers only users whose
 * roles grant every one of them, else 403 `insufficient_permission` (`extra.missing`). What a
 * user holds is `permissionsOfUser` (the session cache: no database read on a hit), so a role
 * taken away is refused at the next request, on every instance.
 *
 * Start-up: a malformed permission (not `resource:action`), or one outside the plugin's
 * `permissions` vocabulary when the host declares one, throws as the route is registered.
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { PERMISSION_PATTERN } from "../contract/index.js";
import { PermissionDeniedError } from "../core/errors.js";
import type { ServiceContext } from "../services/context.js";
import { permissionsOfUser } from "../services/grants.js";
import { sendError } from "./error-handler.js";
import { currentUser } from "./request-meta.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Issue 23: the user's roles must grant every one (`resource:action`). */
    permissions?: readonly string[];
  }
}

const PERMISSION = new RegExp(PERMISSION_PATTERN);

/**
 * The `onRoute` hook: checks a route's `permissions` once, then gives the route its check as a
 * `preHandler` (no other route runs anything for it).
 * @throws TypeError at registration for a malformed or undeclared permission.
 */
export function applyRoutePermissions(
  ctx: ServiceContext,
  vocabulary: readonly string[] | undefined,
): (route: RouteOptions) => void {
  const known = vocabulary === undefined ? null : new Set(vocabulary);
  for (const permission of vocabulary ?? [])
    assertPermission(permission, "the plugin's vocabulary");
  return (route) => {
    const wanted = route.config?.permissions;
    if (wanted === undefined) return;
    const where = `route ${String(route.method)} ${route.url}`;
    if (!Array.isArray(wanted) || wanted.length === 0) {
      throw new TypeError(`${where}: permissions must be a non-empty array`);
    }
    for (const permission of wanted) {
      assertPermission(permission, where);
      if (known !== null && !known.has(permission)) {
        throw new TypeError(
          `${where}: unknown permission ${JSON.stringify(permission)} (not in the tessera plugin's permissions)`,
        );
      }
    }
    const own = route.preHandler ?? [];
    route.preHandler = [...(Array.isArray(own) ? own : [own]), permissionCheck(ctx, wanted)];
  };
}

function assertPermission(permission: unknown, where: string): void {
  if (typeof permission !== "string" || !PERMISSION.test(permission)) {
    throw new TypeError(
      `${where}: ${JSON.stringify(permission)} is not a permission (resource:action, as invoices:write)`,
    );
  }
}

function permissionCheck(
  ctx: ServiceContext,
  wanted: readonly string[],
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  // Named: a route's hooks tell it apart from the host's own preHandlers.
  return async function routePermissionCheck(request, reply) {
    const held = new Set((await permissionsOfUser(ctx, currentUser(request).id)).permissions);
    const missing = wanted.filter((permission) => !held.has(permission));
    if (missing.length === 0) return undefined;
    return sendError(
      reply,
      new PermissionDeniedError(`Your roles do not grant ${missing.join(", ")}`, {
        code: "insufficient_permission",
        extra: { missing },
      }),
    );
  };
}
