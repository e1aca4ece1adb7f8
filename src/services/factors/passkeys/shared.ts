/**
 * What the passkey flows share: their dependencies, the challenge purposes, the wire view, and
 * the checked use of an assertion (second factor, re-authentication and passwordless). The WebAuthn checks are in
 * `core/webauthn`; here live the challenges (used once, 5 minutes), the atomic signature-counter
 * update and the audit trail.
 */
import { ClientError, isTesseraError } from "../../../core/errors.js";
import {
  DEFAULT_CHALLENGE_TIMEOUT_MS,
  createAuthenticationOptions,
  verifyAuthentication,
  type ParsedAuthenticationResponse,
  type PublicKeyCredentialRequestOptionsJSON,
} from "../../../core/webauthn/index.js";
import {
  getWebauthnCredentialById,
  updateWebauthnCredentialCounter,
  type WebauthnCredential,
} from "../../../store/index.js";
import { audit } from "../../audit/audit.js";
import type { PasskeyDependencies, RequestMeta, ServiceContext } from "../../context.js";

/** What a challenge is for: one may not be used for another. */
export const CHALLENGE_PURPOSES = Object.freeze({
  register: "webauthn_register",
  secondFactor: "webauthn_login_2fa",
  passwordless: "webauthn_passwordless",
  reauthenticate: "webauthn_reauthenticate",
});

/** What the passkey flows need besides the services context (defined with the context). */
export type { PasskeyDependencies };

/** A passkey on the wire. */
export interface PasskeyView {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  device_type: string;
  backed_up: boolean;
}

export function toPasskeyView(credential: WebauthnCredential): PasskeyView {
  return {
    id: credential.id,
    name: credential.name,
    created_at: credential.createdAt.toISOString(),
    last_used_at: credential.lastUsedAt === null ? null : credential.lastUsedAt.toISOString(),
    device_type: credential.deviceType,
    backed_up: credential.backedUp,
  };
}

export function challengeInvalid(): ClientError {
  return new ClientError("The passkey challenge is unknown, used or expired", {
    code: "webauthn_challenge_invalid",
  });
}

/**
 * Checks a parsed assertion against a stored credential and moves its counter forward
 * atomically. A counter that does not increase is audited as a possible cloned authenticator.
 */
export async function verifyAssertion(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  credential: WebauthnCredential,
  response: ParsedAuthenticationResponse,
  requireUserVerification: boolean,
  meta: RequestMeta,
): Promise<void> {
  try {
    const result = await verifyAuthentication({
      rp: deps.rp,
      response,
      expectedChallenge: response.challenge,
      credential: {
        id: credential.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: credential.transports,
        // §7.2 step 19: backup eligibility may not change; a multi-device credential is eligible.
        backupEligible: credential.deviceType === "multiDevice",
      },
      expectedUserId: credential.userId,
      requireUserVerification,
    });
    // Two racing assertions with one counter value: the database lets one through.
    if (
      !(await updateWebauthnCredentialCounter(
        ctx.db,
        credential.id,
        result.newCounter,
        ctx.clock(),
      ))
    ) {
      throw new ClientError("The passkey's signature counter did not increase", {
        code: "webauthn_counter_error",
      });
    }
  } catch (error) {
    if (isTesseraError(error) && error.code === "webauthn_counter_error") {
      await audit(ctx, "webauthn_counter_error", {
        userId: credential.userId,
        meta,
        detail: {
          credential_id: credential.id,
          stored_counter: credential.counter,
          possible_clone: true,
        },
      });
    }
    throw error;
  }
}

/** A challenge purpose for a user who is known beforehand (the second factor, re-authentication). */
type UserAssertionPurpose =
  typeof CHALLENGE_PURPOSES.secondFactor | typeof CHALLENGE_PURPOSES.reauthenticate;

/**
 * Request options naming the user's passkeys (`credentials`), user verification preferred; the
 * challenge is the user's, for `purpose`, used once, 5 minutes.
 */
export async function startUserAssertion(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  userId: string,
  credentials: readonly WebauthnCredential[],
  purpose: UserAssertionPurpose,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await createAuthenticationOptions({
    rp: deps.rp,
    allowCredentials: credentials.map((c) => ({ id: c.id, transports: c.transports })),
    userVerification: "preferred",
  });
  await deps.challenges.put(
    { userId, purpose, challenge: options.challenge },
    DEFAULT_CHALLENGE_TIMEOUT_MS,
    ctx.clock(),
  );
  return options;
}

/**
 * Checks an assertion against a challenge of `startUserAssertion` for this user and purpose.
 * Returns false for a passkey that is not the user's (a credential of another user proves
 * nothing about this one) or a signature that does not verify.
 * @throws ClientError `webauthn_challenge_invalid` (unknown, used, expired, another user's or
 *   purpose's), `webauthn_counter_error`.
 */
export async function verifyUserAssertion(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  userId: string,
  response: ParsedAuthenticationResponse,
  purpose: UserAssertionPurpose,
  meta: RequestMeta,
): Promise<boolean> {
  const stored = await deps.challenges.consume(response.challenge, purpose, ctx.clock());
  if (stored === undefined || stored.userId !== userId) throw challengeInvalid();
  const credential = await getWebauthnCredentialById(ctx.db, response.id);
  if (credential === undefined || credential.userId !== userId) return false;
  try {
    await verifyAssertion(ctx, deps, credential, response, false, meta);
  } catch (error) {
    if (isTesseraError(error) && error.code === "webauthn_verification_failed") return false;
    throw error;
  }
  return true;
}
