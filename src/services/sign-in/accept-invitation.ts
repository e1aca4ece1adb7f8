/**
 * Accepting an invitation (`account/invitations.ts` sends it): the person chooses a password
 * and is signed in, through the same limits and the same end as a password sign-in.
 */
import { hashPassword } from "../../core/password.js";
import { ClientError } from "../../core/errors.js";
import {
  markEmailVerified,
  setPasswordHash,
  withTransaction,
  type User,
} from "../../store/index.js";
import { INVALID_INVITATION, invitedUser } from "../account/invitations.js";
import { assertPasswordPolicy } from "../account/passwords.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { useEmailToken } from "../mail/email-tokens.js";
import { announceSessionChange } from "../sessions/sessions.js";
import { completeLogin, type LoginResult } from "./login.js";

/**
 * `POST /invitations/accept`: checks the password against the policy (the link stays usable
 * when it is refused), then in one transaction uses the link up, sets the password, marks the
 * address verified (the link proved the inbox) and ends any session; then signs the person in.
 * @throws ClientError `invalid_email_token`, `password_policy`; TooManyRequestsError.
 */
export async function acceptInvitation(
  ctx: ServiceContext,
  token: string,
  newPassword: string,
  meta: RequestMeta,
): Promise<LoginResult> {
  const invited = await invitedUser(ctx, token);
  await assertPasswordPolicy(ctx, newPassword, invited);
  const hash = await hashPassword(newPassword, ctx.settings.argon2);
  // Reserved before the link is used, so a locked account keeps its link for later.
  const reservation = await ctx.throttle.reserveLoginAttempt({
    accountKey: invited.id,
    address: meta.ip,
  });
  let user: User;
  try {
    user = await withTransaction(ctx.db, async (trx) => {
      const tx = { ...ctx, db: trx };
      // The single use: of two concurrent accepts, one wins.
      const record = await useEmailToken(tx, token, "invitation");
      if (record === null || record.userId !== invited.id) {
        throw new ClientError(INVALID_INVITATION, { code: "invalid_email_token" });
      }
      const nowMs = ctx.clock();
      const updated = await setPasswordHash(trx, invited.id, hash, {
        mustChangePassword: false,
        endSessions: true,
        nowMs,
      });
      if (updated === undefined) {
        throw new ClientError(INVALID_INVITATION, { code: "invalid_email_token" });
      }
      const email = typeof record.data.email === "string" ? record.data.email : updated.email;
      const verified = await markEmailVerified(trx, invited.id, email, nowMs);
      await audit(tx, "invitation_accepted", { userId: invited.id, meta });
      return verified ?? updated;
    });
  } catch (error) {
    await ctx.throttle.releaseLoginAttempt(reservation);
    throw error;
  }
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  // Signed in as after a password sign-in, through the same limits and the same end. Without
  // `password`: the sign-in's policy re-check (17-60 ms of strength estimate) and re-hash test
  // would only repeat, on the same password, what was done above with the current settings.
  return completeLogin(ctx, user, meta, {
    reservation,
    method: "invitation",
    amr: ["pwd"],
  });
}
