/**
 * Who must have a second factor (issue 11 item 3, `TESSERA_REQUIRE_2FA`), and what a user can
 * authenticate with again (item 4). Read by the session loader (the middleware's view of the
 * user says whether enrolment is owed) and by re-authentication (the methods it offers).
 */
import { countWebauthnCredentials } from "../../store/index.js";
import type { ServiceContext } from "../context.js";

/** Who must have a second factor: the values of `TESSERA_REQUIRE_2FA`. */
export type TwoFaPolicy = ServiceContext["settings"]["requireTwoFa"];

/** A way to authenticate again, as `extra.methods` of `reauthentication_required` names it. */
export type ReauthenticationMethod = "password" | "totp" | "webauthn";

/** Whether the policy makes a second factor mandatory for this user. */
export function isCoveredByTwoFaPolicy(
  settings: Pick<ServiceContext["settings"], "requireTwoFa">,
  user: { isAdmin: boolean },
): boolean {
  const policy = settings.requireTwoFa;
  return policy === "all" || (policy === "admins" && user.isAdmin);
}

/**
 * Whether the user owes an enrolment: covered by the policy, no TOTP and no passkey. Reads the
 * passkey count only for a covered user without TOTP (so "off" costs nothing).
 */
export async function needsTwoFaEnrolment(
  ctx: ServiceContext,
  user: { id: string; isAdmin: boolean; totpEnabled: boolean },
): Promise<boolean> {
  if (!isCoveredByTwoFaPolicy(ctx.settings, user) || user.totpEnabled) return false;
  return (await countWebauthnCredentials(ctx.db, user.id)) === 0;
}

/** The methods the user can re-authenticate with: the password (when they have one), then their factors. */
export async function reauthenticationMethods(
  ctx: ServiceContext,
  user: { id: string; totpEnabled: boolean; hasPassword: boolean },
): Promise<ReauthenticationMethod[]> {
  // An account without a password (issue 24) re-authenticates with its passkey.
  const methods: ReauthenticationMethod[] = user.hasPassword ? ["password"] : [];
  if (user.totpEnabled) methods.push("totp");
  if ((await countWebauthnCredentials(ctx.db, user.id)) > 0) methods.push("webauthn");
  return methods;
}
