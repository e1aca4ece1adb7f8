/**
 * An invitation accepted through a provider (issue 22 item 3): the invited account is the one
 * the invitation token names (never one found by email); in one transaction the token is used
 * up as `POST /invitations/accept` uses it, the identity is linked, the account stays without
 * a password (`has_password` false, as a passkey-first account) and sessions end; the address
 * counts as verified only when the upstream verified that very address. The caller then signs
 * the person in as after any upstream sign-in (lock, verified-address rule, second factor).
 */
import { ClientError } from "../../core/errors.js";
import {
  markEmailVerified,
  setPasswordHash,
  withTransaction,
  type User,
} from "../../store/index.js";
import { INVALID_INVITATION, invitedUser } from "../account/invitations.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { useEmailToken } from "../mail/email-tokens.js";
import { announceSessionChange } from "../sessions/sessions.js";
import { linkIdentity } from "./linking.js";
import type { UpstreamIdentity, UpstreamProvider } from "./types.js";

function invalidInvitation(): ClientError {
  return new ClientError(INVALID_INVITATION, { code: "invalid_email_token" });
}

/**
 * Checks that `token` names a live invitation (at the start, so a stale link is refused before
 * the trip upstream).
 * @throws ClientError `invalid_email_token`.
 */
export async function assertInvitation(ctx: ServiceContext, token: string): Promise<void> {
  await invitedUser(ctx, token);
}

/**
 * Uses the invitation up and links the identity to the invited account; that account.
 * @throws ClientError `invalid_email_token` (used, expired, replaced, forged: nothing linked);
 *   ConflictError `identity_linked_elsewhere`.
 */
export async function acceptInvitationThroughProvider(
  ctx: ServiceContext,
  provider: UpstreamProvider,
  identity: UpstreamIdentity,
  token: string,
  meta: RequestMeta,
): Promise<User> {
  const invited = await invitedUser(ctx, token);
  const user = await withTransaction(ctx.db, async (trx) => {
    const tx = { ...ctx, db: trx };
    // The single use: of two concurrent accepts, one wins.
    const record = await useEmailToken(tx, token, "invitation");
    if (record === null || record.userId !== invited.id) throw invalidInvitation();
    await linkIdentity(tx, provider, identity, invited.id, "invitation", meta);
    const nowMs = ctx.clock();
    // The invited account's unusable hash goes: no password, as a passkey-first account.
    const updated = await setPasswordHash(trx, invited.id, null, {
      mustChangePassword: false,
      endSessions: true,
      nowMs,
    });
    if (updated === undefined) throw invalidInvitation();
    const invitedEmail = typeof record.data.email === "string" ? record.data.email : updated.email;
    const sameVerifiedAddress =
      identity.emailVerified &&
      identity.email !== null &&
      identity.email.toLowerCase() === invitedEmail.toLowerCase();
    const verified = sameVerifiedAddress
      ? await markEmailVerified(trx, invited.id, invitedEmail, nowMs)
      : undefined;
    await audit(tx, "invitation_accepted", {
      userId: invited.id,
      meta,
      detail: { provider: provider.id, email_verified: sameVerifiedAddress },
    });
    return verified ?? updated;
  });
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  return user;
}
