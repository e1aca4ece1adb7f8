/**
 * The provider's accounts are Tessera's users: `sub` is the user's id (stable across renames
 * and address changes), `email` and `email_verified` (Tessera's own flag) with the `email`
 * scope, `name` and `preferred_username` with `profile`. A locked or deleted user has no
 * account: the provider refuses its tokens and codes from then on.
 *
 * Issue 23: the `roles` scope releases `roles` and `permissions` (what the user holds now,
 * `services/grants.ts`) in the ID token, from userinfo, and in a JWT access token for an API
 * (`extraTokenClaims`). Without the scope an application learns neither.
 */
import type { Account, KoaContextWithOIDC } from "oidc-provider";
import { isAccountLocked } from "../../core/account-lock.js";
import { getUserById } from "../../store/index.js";
import type { ServiceContext } from "../context.js";
import { grantsClaims, permissionsOfUser } from "../grants.js";

/** The scopes the provider offers. */
export const OIDC_SCOPES: readonly string[] = Object.freeze([
  "openid",
  "offline_access",
  "email",
  "profile",
  "roles",
]);

/** The claims each scope releases. */
export const OIDC_CLAIMS = Object.freeze({
  iss: null,
  // In every ID token: how and when the person authenticated, and the Tessera session.
  openid: ["sub", "acr", "amr", "auth_time", "sid"],
  email: ["email", "email_verified"],
  profile: ["name", "preferred_username", "updated_at"],
  roles: ["roles", "permissions"],
});

/** `findAccount` for the provider. */
export async function findOidcAccount(
  ctx: ServiceContext,
  _kctx: KoaContextWithOIDC,
  id: string,
): Promise<Account | undefined> {
  const user = await getUserById(ctx.db, id);
  if (user === undefined) return undefined;
  if (isAccountLocked(user, ctx.clock())) return undefined;
  return {
    accountId: user.id,
    claims: async (_use, scope) => ({
      ...(scope.split(" ").includes("roles")
        ? grantsClaims(await permissionsOfUser(ctx, user.id))
        : {}),
      sub: user.id,
      email: user.email,
      email_verified: user.emailVerifiedAt !== null,
      name: user.name,
      preferred_username: user.name,
      updated_at: Math.floor(user.updatedAt.getTime() / 1000),
    }),
  };
}

/**
 * `extraTokenClaims` for the provider: a JWT access token granted the `roles` scope carries
 * `roles` and `permissions`, as Tessera's own access tokens do (`POST /token/access`).
 */
export async function oidcExtraTokenClaims(
  ctx: ServiceContext,
  token: { accountId?: string | undefined; scope?: string | undefined },
): Promise<{ roles: string[]; permissions: string[] } | undefined> {
  if (token.accountId === undefined || !(token.scope ?? "").split(" ").includes("roles")) {
    return undefined;
  }
  return grantsClaims(await permissionsOfUser(ctx, token.accountId));
}
