/**
 * Every second factor of an account at once, for the operator (`tessera disable-2fa`): the
 * way back in for someone who lost the phone and every passkey. The one place that lists the
 * factors: a new kind of factor adds its removal to `removeSecondFactors` (recovery codes did).
 */
import { NotFoundError } from "../../core/errors.js";
import {
  deleteRecoveryCodes,
  deleteUserWebauthnCredentials,
  disableTotp,
  getUserByNameOrMail,
  withTransaction,
  type User,
} from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { ServiceContext } from "../context.js";
import { announceSessionChange } from "../sessions/sessions.js";

/** What was removed. */
export interface RemovedSecondFactors {
  /** The authenticator app (TOTP), confirmed or pending. */
  totp: boolean;
  /** How many passkeys. */
  passkeys: number;
  /** How many recovery codes (used or not) went with them. */
  recoveryCodes: number;
}

/** Removes every second factor of `user` inside the caller's transaction (`ctx.db`). */
async function removeSecondFactors(ctx: ServiceContext, user: User): Promise<RemovedSecondFactors> {
  const totp = user.totpSecret !== null || user.totpPendingSecret !== null;
  await disableTotp(ctx.db, user.id, ctx.clock());
  const passkeys = await deleteUserWebauthnCredentials(ctx.db, user.id);
  // With no factor left the codes would stand in for nothing (services/factors/recovery-codes.ts).
  const recoveryCodes = await deleteRecoveryCodes(ctx.db, user.id);
  return { totp, passkeys, recoveryCodes };
}

/**
 * `tessera disable-2fa --name NAME_OR_EMAIL`: removes the user's authenticator app and
 * passkeys in one transaction, audited as the operator (`second_factors_disabled`, by
 * "operator"). Sessions stay: this restores access, it does not take it away.
 * @throws NotFoundError.
 */
export async function disableSecondFactorsAsOperator(
  ctx: ServiceContext,
  nameOrEmail: string,
): Promise<{ user: User; removed: RemovedSecondFactors }> {
  const user = await getUserByNameOrMail(ctx.db, nameOrEmail);
  if (user === undefined) throw new NotFoundError("No such user");
  const removed = await withTransaction(ctx.db, async (db) => {
    const tx = { ...ctx, db };
    const result = await removeSecondFactors(tx, user);
    await audit(tx, "second_factors_disabled", {
      userId: user.id,
      detail: {
        by: "operator",
        totp: result.totp,
        passkeys: result.passkeys,
        recovery_codes: result.recoveryCodes,
      },
    });
    return result;
  });
  // `totp_enabled` of the cached user view changed.
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  return { user, removed };
}
