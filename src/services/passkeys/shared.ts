/**
 * What the passkey flows share: their dependencies, the challenge purposes, the wire view, and
 * the checked use of an assertion (second factor and passwordless). The WebAuthn checks are in
 * `core/webauthn`; here live the challenges (used once, 5 minutes), the atomic signature-counter
 * update and the audit trail.
 */
import { ClientError, isTesseraError } from "../../core/errors.js";
import {
  verifyAuthentication,
  type ParsedAuthenticationResponse,
} from "../../core/webauthn/index.js";
import { updateWebauthnCredentialCounter, type WebauthnCredential } from "../../store/index.js";
import { audit } from "../audit.js";
import type { PasskeyDependencies, RequestMeta, ServiceContext } from "../context.js";

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
        new Date(ctx.clock()),
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
