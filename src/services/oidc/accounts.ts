/**
 * The provider's accounts are Tessera's users: `sub` is the user's id (stable across renames
 * and address changes), `email` and `email_verified` (Tessera's own flag) with the `email`
 * scope, `name` and `preferred_username` with `profile`. A locked or deleted user has no
 * account: the provider refuses its tokens and codes from then on.
 */
import type { Account, KoaContextWithOIDC } from "oidc-provider";
import { isAccountLocked } from "../../core/account-lock.js";
import { getUserById } from "../../store/index.js";
import type { ServiceContext } from "../context.js";

/** The scopes the provider offers. */
export const OIDC_SCOPES: readonly string[] = Object.freeze([
  "openid",
  "offline_access",
  "email",
  "profile",
]);

/** The claims each scope releases. */
export const OIDC_CLAIMS = Object.freeze({
  iss: null,
  // In every ID token: how and when the person authenticated, and the Tessera session.
  openid: ["sub", "acr", "amr", "auth_time", "sid"],
  email: ["email", "email_verified"],
  profile: ["name", "preferred_username", "updated_at"],
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
    claims: () => ({
      sub: user.id,
      email: user.email,
      email_verified: user.emailVerifiedAt !== null,
      name: user.name,
      preferred_username: user.name,
      updated_at: Math.floor(user.updatedAt.getTime() / 1000),
    }),
  };
}
