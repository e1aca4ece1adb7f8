/**
 * Which scope a personal access token needs on each of Tessera's routes (issue 23 item 1), in
 * one table, copied into each route's `config.scope` at registration by an `onRoute` hook. A
 * host app's route declares its own (`config: { scope: "invoices:write" }`). A route without a
 * scope takes no token at all: making tokens, changing a password, an email address, a factor
 * or a session, re-authentication and signing out are for a person in a session.
 *
 * At each request the middleware (`assertTokenScope`) asks for the route's scope and, on a
 * `/users/{id}/…` route naming another user, also `users:read` (a read) or `users:write`; the
 * token's scopes are what its user still holds (`services/access-scopes.ts`). Missing: 403
 * `insufficient_scope` with `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`
 * (RFC 6750 §3.1).
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import type { TesseraScope } from "../contract/index.js";
import { PermissionDeniedError } from "../core/errors.js";

/** `"METHOD /url"` (the router's pattern) → the scope a token needs there. */
export const TOKEN_SCOPES: Readonly<Record<string, TesseraScope>> = Object.freeze({
  "GET /me": "profile:read",
  "GET /me/applications": "profile:read",
  "GET /users/:id/email": "profile:read",
  "GET /users/:id/2fa/totp": "profile:read",
  "GET /users/:id/2fa/webauthn": "profile:read",
  "GET /users/:id/2fa/recovery-codes": "profile:read",
  "GET /users/:id/audit": "profile:read",
  "GET /users/:id/tokens": "profile:read",
  "GET /users/:id/sessions": "sessions:read",
  "GET /users": "users:read",
  "POST /users/create": "users:write",
  "PATCH /users/:id/promote": "users:write",
  "PATCH /users/:id/demote": "users:write",
  "POST /users/:id/lock": "users:write",
  "POST /users/:id/unlock": "users:write",
  "POST /users/:id/invitation": "users:write",
  "DELETE /users/:id": "users:write",
  "GET /audit": "audit:read",
  "GET /applications": "applications:read",
});

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * The scope a personal access token needs on this route (issue 23); absent: the route takes
     * no personal access token.
     */
    scope?: string;
  }
}

/** The scope of one of Tessera's routes (HEAD follows GET), or undefined. */
export function tokenScopeOf(method: string, url: string): string | undefined {
  return TOKEN_SCOPES[`${method === "HEAD" ? "GET" : method} ${url}`];
}

/** `onRoute` hook of Tessera's routes: copies the table's scope into the route's `config`. */
export function applyTokenScopes(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const scope = tokenScopeOf(String(methods[0]), route.url);
  if (scope !== undefined) route.config = { ...route.config, scope };
}

/** The scopes a token needs on this request: the route's, and more to act on another user. */
function requiredScopes(request: FastifyRequest, scope: string): string[] {
  const params = request.params as { id?: unknown } | undefined;
  if (params?.id === undefined || params.id === request.user?.id) return [scope];
  const other =
    request.method === "GET" || request.method === "HEAD" ? "users:read" : "users:write";
  return other === scope ? [scope] : [scope, other];
}

/** RFC 6750 §3: a quoted-string attribute (the values here have no quote or backslash). */
function challenge(error: string, description: string, scope: string | null): string {
  const parts = [`error="${error}"`, `error_description="${description}"`];
  if (scope !== null) parts.push(`scope="${scope}"`);
  return `Bearer ${parts.join(", ")}`;
}

/**
 * Refuses a personal access token on a route its scopes do not open, with the RFC 6750 §3.1
 * challenge on `reply`. @throws PermissionDeniedError `insufficient_scope`.
 */
export function assertTokenScope(
  request: FastifyRequest,
  reply: FastifyReply,
  config: { scope?: unknown; permissions?: unknown },
): void {
  const granted = request.auth?.personalToken?.scopes ?? [];
  // A host route that names `permissions` (issue 23 item 2) and no scope of Tessera's opens to
  // a token that carries every one of them (the route's own check asks the roles as well).
  const permissions = Array.isArray(config.permissions) ? (config.permissions as string[]) : null;
  const needed =
    typeof config.scope === "string" ? requiredScopes(request, config.scope) : permissions;
  if (needed === null) {
    const detail = "This route does not accept personal access tokens: sign in";
    void reply.header("www-authenticate", challenge("insufficient_scope", detail, null));
    throw new PermissionDeniedError(detail, {
      code: "insufficient_scope",
      extra: { scope: null },
    });
  }
  const missing = needed.filter((scope) => !granted.includes(scope));
  if (missing.length === 0) return;
  const scope = needed.join(" ");
  const detail = `This access token lacks the scope ${missing.join(" ")}`;
  void reply.header("www-authenticate", challenge("insufficient_scope", detail, scope));
  throw new PermissionDeniedError(detail, { code: "insufficient_scope", extra: { scope } });
}
