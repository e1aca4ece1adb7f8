/**
 * The browser side of passkeys, through `@simplewebauthn/browser`: create one (registration),
 * use one (authentication), and the words for what went wrong.
 */
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
  WebAuthnError,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/browser";
import { ApiError } from "./api.js";
import { t } from "./i18n.js";
import { describeError } from "./text.js";
import type { TwoFaRequired } from "./types.js";

/** Whether this browser can use passkeys at all. */
export function passkeysSupported(): boolean {
  return browserSupportsWebAuthn();
}

/** Asks the authenticator to sign the server's challenge (a WebAuthn `get()`). */
export function usePasskey(options: unknown): Promise<AuthenticationResponseJSON> {
  return startAuthentication({ optionsJSON: options as PublicKeyCredentialRequestOptionsJSON });
}

/**
 * Whether the browser can offer passkeys in a field's autofill (WebAuthn conditional mediation:
 * `PublicKeyCredential.isConditionalMediationAvailable()`).
 */
export function passkeyAutofillAvailable(): Promise<boolean> {
  return browserSupportsWebAuthnAutofill();
}

/**
 * A conditional request (`mediation: "conditional"`): pending until the person picks a passkey
 * in the autofill of the field marked `autocomplete="… webauthn"`, or until another WebAuthn
 * call of this page aborts it (simplewebauthn's WebAuthnAbortService keeps one call at a time).
 */
export function usePasskeyFromAutofill(options: unknown): Promise<AuthenticationResponseJSON> {
  return startAuthentication({
    optionsJSON: options as PublicKeyCredentialRequestOptionsJSON,
    useBrowserAutofill: true,
  });
}

/** Aborts the pending WebAuthn call of this page, if any (e.g. the conditional request). */
export function cancelPendingPasskeyCall(): void {
  WebAuthnAbortService.cancelCeremony();
}

/** Whether `error` says the WebAuthn call was aborted (by this page, for another one). */
export function passkeyCallAborted(error: unknown): boolean {
  if (error instanceof WebAuthnError) return error.code === "ERROR_CEREMONY_ABORTED";
  return error instanceof Error && error.name === "AbortError";
}

/** Asks the authenticator for a new credential (a WebAuthn `create()`). */
export function createPasskey(options: unknown): Promise<RegistrationResponseJSON> {
  return startRegistration({ optionsJSON: options as PublicKeyCredentialCreationOptionsJSON });
}

/**
 * Runs a WebAuthn call of the browser (`usePasskey`, `createPasskey`), its failure thrown again
 * as an Error whose message is the sentence a person reads.
 */
export async function explainedPasskeyCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new Error(describePasskeyError(error) ?? describeError(error, "passkey"), {
      cause: error,
    });
  }
}

/**
 * New passkey options for a second-factor step whose first ones were used (a challenge works
 * once): `resend` sends the step's request again without a factor, which the server answers
 * with `two_fa_required` and a fresh challenge.
 */
export async function freshPasskeyOptions(
  resend: () => Promise<unknown>,
): Promise<Record<string, unknown>> {
  try {
    await resend();
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "two_fa_required") throw error;
    const options = (error.extra as unknown as TwoFaRequired).webauthn_options;
    if (options !== undefined) return options;
  }
  throw new Error(t("common.passkey_no_challenge"));
}

/**
 * A sentence for a failure of the browser's WebAuthn call, or null when `error` did not come
 * from it (an API error, described elsewhere).
 */
export function describePasskeyError(error: unknown): string | null {
  if (error instanceof WebAuthnError) {
    switch (error.code) {
      case "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED":
        return t("common.passkey_already_registered");
      case "ERROR_CEREMONY_ABORTED":
        return t("common.passkey_cancelled");
      case "ERROR_INVALID_DOMAIN":
      case "ERROR_INVALID_RP_ID":
        return t("common.passkey_wrong_address");
      default:
        return passThrough(error.cause) ?? t("common.passkey_failed");
    }
  }
  return passThrough(error);
}

function passThrough(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  // DOMException names from the WebAuthn spec (§5.1.3, §5.1.4).
  switch (error.name) {
    case "NotAllowedError":
      return t("common.passkey_cancelled_or_timed_out");
    case "AbortError":
      return t("common.passkey_cancelled");
    case "InvalidStateError":
      return t("common.passkey_already_registered");
    case "SecurityError":
      return t("common.passkey_wrong_address");
    case "NotSupportedError":
      return t("common.passkey_unsupported");
    default:
      return null;
  }
}
