/** The words for a failed passkey ceremony in the browser. */
import { WebAuthnError } from "@simplewebauthn/browser";
import { describe, expect, it } from "vitest";
import en from "../../../../src/contract/messages/en.json" with { type: "json" };
import { installMessages } from "../../../../src/web/client/lib/i18n.js";
import { ApiError } from "../../../../src/web/client/lib/api.js";
import { describePasskeyError } from "../../../../src/web/client/lib/passkeys.js";

// The words come from the catalogue: the English one, as a page in English gets it.
installMessages({ locale: "en", locales: [], messages: en });

function domError(name: string): Error {
  return new DOMException("browser message", name);
}

describe("describePasskeyError", () => {
  it("says a passkey is already registered when the authenticator already holds one", () => {
    const error = new WebAuthnError({
      message: "already",
      code: "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED",
      cause: domError("InvalidStateError"),
    });
    expect(describePasskeyError(error)).toBe(
      "This passkey is already registered for your account.",
    );
  });

  it("says the request was cancelled or timed out when the person dismissed the prompt", () => {
    const error = new WebAuthnError({
      message: "passthrough",
      code: "ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY",
      cause: domError("NotAllowedError"),
    });
    expect(describePasskeyError(error)).toBe("The passkey request was cancelled or timed out.");
    expect(describePasskeyError(domError("NotAllowedError"))).toBe(
      "The passkey request was cancelled or timed out.",
    );
  });

  it("points at the configured URL when the page's address does not match the relying party", () => {
    const error = new WebAuthnError({
      message: "rp",
      code: "ERROR_INVALID_RP_ID",
      cause: domError("SecurityError"),
    });
    expect(describePasskeyError(error)).toMatch(/configured URL/);
  });

  it("leaves errors that did not come from the browser's WebAuthn call to the caller", () => {
    const apiError = new ApiError(400, { status_code: 400, code: "conflict", detail: "x" });
    expect(describePasskeyError(apiError)).toBeNull();
    expect(describePasskeyError(new Error("plain"))).toBeNull();
    expect(describePasskeyError("text")).toBeNull();
  });
});
