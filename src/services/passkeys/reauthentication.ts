/**
 * A passkey as re-authentication (issue 11 item 4): the signed-in user signs a challenge with
 * one of their own passkeys. Like the login's second factor (user verification preferred): a
 * registered authenticator in the user's hands is worth a TOTP code, which also re-authenticates.
 */
import { ClientError, isTesseraError } from "../../core/errors.js";
import {
  DEFAULT_CHALLENGE_TIMEOUT_MS,
  createAuthenticationOptions,
  type ParsedAuthenticationResponse,
  type PublicKeyCredentialRequestOptionsJSON,
} from "../../core/webauthn/index.js";
import { getWebauthnCredentialById, listWebauthnCredentials } from "../../store/index.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import {
  CHALLENGE_PURPOSES,
  challengeInvalid,
  verifyAssertion,
  type PasskeyDependencies,
} from "./shared.js";

/**
 * Request options naming the user's passkeys; the challenge is the user's, used once, 5 minutes.
 * @throws ClientError `client_error` when the user has no passkey.
 */
export async function startPasskeyReauthentication(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  userId: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const credentials = await listWebauthnCredentials(ctx.db, userId);
  if (credentials.length === 0) {
    throw new ClientError("There is no passkey to authenticate with", { code: "client_error" });
  }
  const options = await createAuthenticationOptions({
    rp: deps.rp,
    allowCredentials: credentials.map((c) => ({ id: c.id, transports: c.transports })),
    userVerification: "preferred",
  });
  await deps.challenges.put(
    { userId, purpose: CHALLENGE_PURPOSES.reauthenticate, challenge: options.challenge },
    DEFAULT_CHALLENGE_TIMEOUT_MS,
    ctx.clock(),
  );
  return options;
}

/**
 * Checks an assertion against a challenge of `startPasskeyReauthentication` for this user.
 * Returns false for a passkey that is not the user's or a signature that does not verify.
 * @throws ClientError `webauthn_challenge_invalid` (unknown, used, expired, another user's),
 *   `webauthn_counter_error`.
 */
export async function verifyPasskeyReauthentication(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  userId: string,
  response: ParsedAuthenticationResponse,
  meta: RequestMeta,
): Promise<boolean> {
  const stored = await deps.challenges.consume(
    response.challenge,
    CHALLENGE_PURPOSES.reauthenticate,
    ctx.clock(),
  );
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
