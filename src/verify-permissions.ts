/**
 * Roles and permissions in another service (issue 23 item 2), part of `tessera/verify`: the
 * `roles` and `permissions` claims of Tessera's access tokens (`POST /token/access`, and the
 * OpenID Connect tokens granted the `roles` scope), checked in one line.
 *
 *   app.post("/invoices", { preHandler: requirePermission("invoices:write") }, handler);
 *   app.get("/reports", { config: { permissions: ["reports:read"] } }, handler);
 *   if (hasRole(tokenUser(request), "billing")) { … }
 *
 * Never a silent false: a malformed name throws `TypeError` where it is written (start-up); a
 * name outside the vocabulary the verifier plugin was given (`permissions`, `roles`) throws as
 * the route is registered; and a token that carries no `roles`/`permissions` claim (a session
 * token, or a token of an older Tessera) makes `hasRole`/`hasPermission` throw
 * `TokenClaimsError` and the preHandlers answer 403 `token_claims_missing`, never "no".
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { PERMISSION_PATTERN, ROLE_NAME_PATTERN } from "./contract/limits.js";

const PERMISSION = new RegExp(PERMISSION_PATTERN);
const ROLE = new RegExp(ROLE_NAME_PATTERN);

/** What the checks read of a verified token (`VerifiedToken` has it). */
export interface TokenWithClaims {
  readonly claims: Readonly<Record<string, unknown>>;
}

/** A token without the claim a check needs: the question has no answer, so it is not "no". */
export class TokenClaimsError extends Error {
  readonly code = "token_claims_missing";
  constructor(readonly claim: "roles" | "permissions") {
    super(
      `The token carries no "${claim}" claim: use an access token (POST /token/access, or the OpenID Connect "roles" scope)`,
    );
    this.name = "TokenClaimsError";
  }
}

/** What a route asks, read back by the plugin's start-up check. */
export interface AccessRequirement {
  readonly permissions: readonly string[];
  readonly roles: readonly string[];
}

/** A preHandler made by `requirePermission` or `requireRole`. */
export type RequirementPreHandler = ((
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>) & { readonly requirement: AccessRequirement };

function assertNames(names: readonly unknown[], pattern: RegExp, what: string): void {
  if (names.length === 0) throw new TypeError(`Name at least one ${what}`);
  for (const name of names) {
    if (typeof name !== "string" || !pattern.test(name)) {
      throw new TypeError(
        what === "permission"
          ? `${JSON.stringify(name)} is not a permission (resource:action, as invoices:write)`
          : `${JSON.stringify(name)} is not a role name (lowercase letters, digits, _ and -)`,
      );
    }
  }
}

function claimList(token: TokenWithClaims, claim: "roles" | "permissions"): readonly string[] {
  const value = token.claims[claim];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new TokenClaimsError(claim);
  }
  return value as string[];
}

/**
 * Whether the token's `permissions` claim holds `permission`.
 * @throws TypeError for a malformed permission; TokenClaimsError when the token has no such claim.
 */
export function hasPermission(token: TokenWithClaims, permission: string): boolean {
  assertNames([permission], PERMISSION, "permission");
  return claimList(token, "permissions").includes(permission);
}

/**
 * Whether the token's `roles` claim holds `role`.
 * @throws TypeError for a malformed role name; TokenClaimsError when the token has no such claim.
 */
export function hasRole(token: TokenWithClaims, role: string): boolean {
  assertNames([role], ROLE, "role");
  return claimList(token, "roles").includes(role);
}

function refuse(reply: FastifyReply, status: number, code: string, detail: string, extra?: object) {
  return reply
    .code(status)
    .send({ status_code: status, detail, code, ...(extra === undefined ? {} : { extra }) });
}

function makePreHandler(requirement: AccessRequirement): RequirementPreHandler {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = (request as unknown as { user?: TokenWithClaims | null }).user ?? null;
    if (token === null || typeof token !== "object" || !("claims" in token)) {
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer error="invalid_token"')
        .send({ status_code: 401, detail: "Invalid or expired token", code: "not_authorized" });
    }
    try {
      const missing = [
        ...requirement.permissions.filter((p) => !claimList(token, "permissions").includes(p)),
        ...requirement.roles.filter((r) => !claimList(token, "roles").includes(r)),
      ];
      if (missing.length === 0) return undefined;
      return refuse(reply, 403, "insufficient_permission", `Not granted: ${missing.join(", ")}`, {
        missing,
      });
    } catch (error) {
      if (!(error instanceof TokenClaimsError)) throw error;
      return refuse(reply, 403, error.code, error.message);
    }
  };
  return Object.assign(handler, { requirement });
}

/**
 * A Fastify preHandler that admits a token whose `permissions` hold every one named, else 403
 * `insufficient_permission` (`extra.missing`); 403 `token_claims_missing` for a token without
 * the claim, 401 without a verified token. @throws TypeError for a malformed permission.
 */
export function requirePermission(...permissions: string[]): RequirementPreHandler {
  assertNames(permissions, PERMISSION, "permission");
  return makePreHandler({ permissions: [...permissions], roles: [] });
}

/** As `requirePermission`, for roles (`requireRole("billing")`). @throws TypeError. */
export function requireRole(...roles: string[]): RequirementPreHandler {
  assertNames(roles, ROLE, "role");
  return makePreHandler({ permissions: [], roles: [...roles] });
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** `tessera/verify` (and Tessera's plugin for its own users): every one must be granted. */
    permissions?: readonly string[];
    /** `tessera/verify`: the token's `roles` must hold every one. */
    roles?: readonly string[];
  }
}

/** The vocabulary a verifier plugin was given: names outside it are start-up errors. */
export interface AccessVocabulary {
  permissions?: readonly string[] | undefined;
  roles?: readonly string[] | undefined;
}

/**
 * The verifier plugin's `onRoute` hook: a route's `config.permissions`/`config.roles` become
 * its preHandler; every name a route asks for (there or through `requirePermission`) must be
 * in the vocabulary when one was given. @throws TypeError at registration.
 */
export function installAccessChecks(app: FastifyInstance, vocabulary: AccessVocabulary): void {
  if (vocabulary.permissions !== undefined && vocabulary.permissions.length > 0) {
    assertNames(vocabulary.permissions, PERMISSION, "permission");
  }
  if (vocabulary.roles !== undefined && vocabulary.roles.length > 0) {
    assertNames(vocabulary.roles, ROLE, "role");
  }
  const knownPermissions = vocabulary.permissions && new Set(vocabulary.permissions);
  const knownRoles = vocabulary.roles && new Set(vocabulary.roles);
  app.addHook("onRoute", (route: RouteOptions) => {
    const where = `route ${String(route.method)} ${route.url}`;
    const own = route.preHandler ?? [];
    const handlers = Array.isArray(own) ? [...own] : [own];
    const permissions = route.config?.permissions;
    const roles = route.config?.roles;
    if (permissions !== undefined || roles !== undefined) {
      try {
        if (permissions !== undefined) assertNames(permissions, PERMISSION, "permission");
        if (roles !== undefined) assertNames(roles, ROLE, "role");
      } catch (error) {
        throw new TypeError(`${where}: ${(error as Error).message}`, { cause: error });
      }
      handlers.push(makePreHandler({ permissions: permissions ?? [], roles: roles ?? [] }));
      route.preHandler = handlers;
    }
    for (const handler of handlers) {
      const requirement = (handler as Partial<RequirementPreHandler>).requirement;
      if (requirement === undefined) continue;
      const unknown = [
        ...requirement.permissions.filter((p) => knownPermissions && !knownPermissions.has(p)),
        ...requirement.roles.filter((r) => knownRoles && !knownRoles.has(r)),
      ];
      if (unknown.length > 0) {
        throw new TypeError(
          `${where}: unknown ${unknown.map((n) => JSON.stringify(n)).join(", ")} (not in the verifier's permissions or roles)`,
        );
      }
    }
  });
}
