/**
 * A passkey as re-authentication (issue 11 item 4): the signed-in user signs a challenge with
 * one of their own passkeys. Like the login's second factor (user verification preferred): a
 * registered authenticator in the user's hands is worth a TOTP code, which also re-authenticates.
 */
import { ClientError } from "../../../core/errors.js";
import type {
  ParsedAuthenticationResponse,
  PublicKeyCredentialRequestOptionsJSON,
} from "../../../core/webauthn/index.js";
import { listWebauthnCredentials } from "../../../store/index.js";
import type { RequestMeta, ServiceContext } from "../../context.js";
import {
  CHALLENGE_PURPOSES,
  startUserAssertion,
  verifyUserAssertion,
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
  return startUserAssertion(ctx, deps, userId, credentials, CHALLENGE_PURPOSES.reauthenticate);
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
  return verifyUserAssertion(ctx, deps, userId, response, CHALLENGE_PURPOSES.reauthenticate, meta);
}
