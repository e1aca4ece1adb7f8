/**
 * Passkey-first accounts (issue 24 item 2): an invited person, or a new sign-up at the link that
 * verifies the address, makes a passkey instead of choosing a password, and the account keeps
 * no password (`User.passwordHash` null).
 *
 * Two steps, both bound to the mailed link exactly as the password way is:
 * - begin (`…/passkey/options`): the link's token is checked, not used; the creation options
 *   (discoverable credential, user verification required) have a challenge stored with the
 *   account's id under a purpose of their own, used once, 5 minutes;
 * - finish (`…/passkey`): the registration is verified against that challenge, then in one
 *   transaction the token is used up (of two finishes, one wins), the passkey stored, the
 *   password cleared (an invited account held a random one), the address marked verified; then
 *   the person is signed in through `completeLogin`, with the limits of every sign-in.
 *
 * A sign-up's link takes a passkey only while the account has neither a password nor a
 * passkey: the link of a later address change must not add a way in to an existing account.
 */
import {
  DEFAULT_CHALLENGE_TIMEOUT_MS,
  createRegistrationOptions,
  parseRegistrationResponse,
  verifyRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
} from "../../core/webauthn/index.js";
import { ClientError, ConflictError } from "../../core/errors.js";
import {
  addWebauthnCredential,
  countWebauthnCredentials,
  getUserById,
  markEmailVerified,
  setPasswordHash,
  withTransaction,
  type User,
} from "../../store/index.js";
import { INVALID_INVITATION, invitedUser } from "../account/invitations.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { findEmailToken, useEmailToken } from "../mail/email-tokens.js";
import { challengeInvalid, type PasskeyDependencies } from "../factors/passkeys/shared.js";
import { announceSessionChange } from "../sessions/sessions.js";
import { completeLogin, type LoginResult } from "./login.js";

/** Which link the passkey is made from. */
export type PasskeyFirstKind = "invitation" | "signup";

/** The challenge purpose of each kind: an options answer of one never finishes the other. */
const PURPOSES: Readonly<Record<PasskeyFirstKind, string>> = Object.freeze({
  invitation: "webauthn_register_invitation",
  signup: "webauthn_register_signup",
});

/** The name of the first passkey when the person gives none. */
export const DEFAULT_FIRST_PASSKEY_NAME = "Passkey";

const INVALID_SIGNUP_LINK =
  "This link is not valid: it was used already, has expired or is for an older address";

/** What the finish step takes: the link's token, the authenticator's answer, a name. */
export interface PasskeyFirstInput {
  token: string;
  response: unknown;
  name?: string | undefined;
}

/**
 * The account a live link of `kind` is for, when it may take a first passkey.
 * @throws ClientError `invalid_email_token`; ConflictError `password_already_set` (a sign-up
 *   link of an account that has a password: it is verified with `POST /email/verify`).
 */
async function pendingAccount(
  ctx: ServiceContext,
  kind: PasskeyFirstKind,
  token: string,
): Promise<User> {
  if (kind === "invitation") return invitedUser(ctx, token);
  const record = await findEmailToken(ctx, token, "email_verification");
  const user =
    record?.userId === null || record === null
      ? undefined
      : await getUserById(ctx.db, record.userId);
  if (user === undefined || record === null || record.data.email !== user.email) {
    throw new ClientError(INVALID_SIGNUP_LINK, { code: "invalid_email_token" });
  }
  if (user.passwordHash !== null) {
    throw new ConflictError("This account has a password: the link only verifies the address", {
      code: "password_already_set",
    });
  }
  if (user.emailVerifiedAt !== null || (await countWebauthnCredentials(ctx.db, user.id)) > 0) {
    throw new ClientError(INVALID_SIGNUP_LINK, { code: "invalid_email_token" });
  }
  return user;
}

/**
 * Begin: creation options for the first passkey of the account the link is for.
 * @throws as `pendingAccount`.
 */
export async function startPasskeyFirst(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  kind: PasskeyFirstKind,
  token: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await pendingAccount(ctx, kind, token);
  const options = await createRegistrationOptions({
    rp: deps.rp,
    user: { id: user.id, name: user.name, displayName: user.name },
    excludeCredentials: [],
    passwordless: true,
  });
  await deps.challenges.put(
    { userId: user.id, purpose: PURPOSES[kind], challenge: options.challenge },
    DEFAULT_CHALLENGE_TIMEOUT_MS,
    ctx.clock(),
  );
  return options;
}

/**
 * Finish: verifies the new passkey, uses the link, stores the passkey without a password,
 * verifies the address and signs the person in.
 * @throws ClientError (`invalid_email_token`, `webauthn_*`), ConflictError (the passkey is
 *   registered already, `password_already_set`), TooManyRequestsError, and what a sign-in
 *   throws (`account_locked`).
 */
export async function finishPasskeyFirst(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  kind: PasskeyFirstKind,
  input: PasskeyFirstInput,
  meta: RequestMeta,
): Promise<LoginResult> {
  const pending = await pendingAccount(ctx, kind, input.token);
  const response = parseRegistrationResponse(input.response);
  // Reserved before anything is verified, so a locked-out account keeps its link for later.
  const reservation = await ctx.throttle.reserveLoginAttempt({
    accountKey: pending.id,
    address: meta.ip,
  });
  let user: User;
  try {
    const stored = await deps.challenges.consume(response.challenge, PURPOSES[kind], ctx.clock());
    if (stored === undefined || stored.userId !== pending.id) throw challengeInvalid();
    const registered = await verifyRegistration({
      rp: deps.rp,
      response,
      expectedChallenge: response.challenge,
      requireUserVerification: true,
    });
    user = await withTransaction(ctx.db, async (trx) => {
      const tx = { ...ctx, db: trx };
      const nowMs = ctx.clock();
      const record = await useEmailToken(
        tx,
        input.token,
        kind === "invitation" ? "invitation" : "email_verification",
      );
      if (record === null || record.userId !== pending.id) {
        throw new ClientError(kind === "invitation" ? INVALID_INVITATION : INVALID_SIGNUP_LINK, {
          code: "invalid_email_token",
        });
      }
      // No password from now on; sessions issued before (none should exist) end.
      const updated = await setPasswordHash(trx, pending.id, null, {
        mustChangePassword: false,
        endSessions: true,
        nowMs,
      });
      if (updated === undefined) {
        throw new ClientError(INVALID_SIGNUP_LINK, { code: "invalid_email_token" });
      }
      const credential = await addWebauthnCredential(
        trx,
        {
          id: registered.id,
          userId: pending.id,
          publicKey: registered.publicKey,
          counter: registered.counter,
          transports: [...registered.transports],
          name: input.name ?? DEFAULT_FIRST_PASSKEY_NAME,
          deviceType: registered.deviceType,
          backedUp: registered.backedUp,
        },
        nowMs,
      );
      const email = typeof record.data.email === "string" ? record.data.email : updated.email;
      const verified = await markEmailVerified(trx, pending.id, email, nowMs);
      await audit(tx, kind === "invitation" ? "invitation_accepted" : "email_verified", {
        userId: pending.id,
        meta,
        detail: kind === "invitation" ? { method: "passkey" } : { method: "link" },
      });
      await audit(tx, "passkey_added", {
        userId: pending.id,
        meta,
        detail: { credential_id: credential.id, first: true },
      });
      return verified ?? updated;
    });
  } catch (error) {
    await ctx.throttle.releaseLoginAttempt(reservation);
    throw error;
  }
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  return completeLogin(ctx, user, meta, {
    reservation,
    method: kind === "invitation" ? "invitation" : "signup",
    amr: ["passkey"],
  });
}
