/**
 * Passwordless sign-in with a discoverable passkey: no user named beforehand; the credential
 * names the user and its user handle must agree. Failures count against the client address
 * like failed logins.
 */
import { ClientError, isTesseraError } from "../../core/errors.js";
import {
  DEFAULT_CHALLENGE_TIMEOUT_MS,
  createAuthenticationOptions,
  parseAuthenticationResponse,
  type ParsedAuthenticationResponse,
  type PublicKeyCredentialRequestOptionsJSON,
} from "../../core/webauthn/index.js";
import { getUserById, getWebauthnCredentialById, type User } from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { assertEmailVerifiedForSignIn } from "../account/email-verification.js";
import { completeLogin, type LoginResult } from "./login.js";
import {
  CHALLENGE_PURPOSES,
  challengeInvalid,
  verifyAssertion,
  type PasskeyDependencies,
} from "../factors/passkeys/shared.js";

/**
 * The throttle's "account" of a passwordless attempt: the sending address together with the
 * credential it names, so forgeries naming a victim's credential lock out only their sender
 * (the per-address limit applies on top).
 */
function passwordlessKey(meta: RequestMeta, credentialId: string): string {
  return `passkey:${meta.ip}:${credentialId}`;
}

function notVerified(detail: string): ClientError {
  return new ClientError(detail, { code: "webauthn_verification_failed" });
}

/** Request options for passwordless sign-in: no user named, user verification required. */
export async function startPasswordlessLogin(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  meta: RequestMeta,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  // A locked-out address gets no new challenges either.
  await ctx.throttle.assertLoginAllowed({
    accountKey: passwordlessKey(meta, "options"),
    address: meta.ip,
  });
  const options = await createAuthenticationOptions({
    rp: deps.rp,
    allowCredentials: [],
    userVerification: "required",
  });
  await deps.challenges.put(
    { userId: null, purpose: CHALLENGE_PURPOSES.passwordless, challenge: options.challenge },
    DEFAULT_CHALLENGE_TIMEOUT_MS,
    ctx.clock(),
  );
  return options;
}

/**
 * Signs in with a discoverable passkey.
 * @throws ClientError (`webauthn_*`), TooManyRequestsError.
 */
export async function finishPasswordlessLogin(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  json: unknown,
  meta: RequestMeta,
): Promise<LoginResult> {
  // The one parse of this ceremony. A malformed response still goes through the throttle
  // (a locked-out address hears 429 first) and is counted, under "malformed" for its address.
  let response: ParsedAuthenticationResponse | undefined;
  let malformed: unknown;
  try {
    response = parseAuthenticationResponse(json);
  } catch (error) {
    malformed = error;
  }
  // Keyed by address and credential, not by the credential id alone: naming a victim's id must
  // not lock the victim out.
  const accountKey = passwordlessKey(meta, response?.id ?? "malformed");
  // Counted before the signature is checked (issue 14 item 1); given back on success.
  const reservation = await ctx.throttle.reserveLoginAttempt({ accountKey, address: meta.ip });
  let user: User | undefined;
  try {
    if (response === undefined) throw malformed;
    // §7.2 step 6: with no user named beforehand, the user handle must be there and be the owner's.
    if (response.userId === null) throw notVerified("The passkey response has no user handle");
    const stored = await deps.challenges.consume(
      response.challenge,
      CHALLENGE_PURPOSES.passwordless,
      ctx.clock(),
    );
    if (stored === undefined) throw challengeInvalid();
    const credential = await getWebauthnCredentialById(ctx.db, response.id);
    if (credential === undefined || response.userId !== credential.userId) {
      throw notVerified("The passkey could not be verified");
    }
    await verifyAssertion(ctx, deps, credential, response, true, meta);
    user = await getUserById(ctx.db, credential.userId);
    if (user === undefined) throw notVerified("The passkey could not be verified");
  } catch (error) {
    await audit(ctx, "login_failed", {
      userId: user?.id ?? null,
      meta,
      detail: { reason: "passkey", code: isTesseraError(error) ? error.code : "error" },
    });
    throw error;
  }
  await assertEmailVerifiedForSignIn(ctx, user, reservation, meta);
  return completeLogin(ctx, user, meta, { reservation, method: "passkey" });
}
