/**
 * One parse per ceremony: `parseRegistrationResponse` / `parseAuthenticationResponse` give what
 * a service needs to look things up (challenge, credential id, user id), and the verification
 * takes that parsed value as it is. Only values the parse made are trusted as parsed.
 */
import { describe, expect, it } from "vitest";
import {
  createRegistrationOptions,
  parseAuthenticationResponse,
  parseRegistrationResponse,
  readAssertionIdentity,
  verifyAuthentication,
  verifyRegistration,
} from "../../../src/core/webauthn/index.js";
import { SoftAuthenticator } from "../../helpers/soft-authenticator.js";
import { ORIGIN, RP, USER, expectClientError, loginOptions, register } from "./setup.js";

describe("parsing a response once", () => {
  it("reads the challenge and credential id of a registration, and verification takes the parse", async () => {
    const options = await createRegistrationOptions({ rp: RP, user: USER, excludeCredentials: [] });
    const json = new SoftAuthenticator().createAttestation(options, { origin: ORIGIN });
    const parsed = parseRegistrationResponse(json);
    expect(parsed.challenge).toBe(options.challenge);
    expect(parsed.id).toBe(json.id);
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(parseRegistrationResponse(parsed)).toBe(parsed);
    const credential = await verifyRegistration({
      rp: RP,
      response: parsed,
      expectedChallenge: parsed.challenge,
    });
    expect(credential.id).toBe(json.id);
  });

  it("reads the challenge, credential id and user id of an assertion, and verification takes the parse", async () => {
    const { authenticator, credential } = await register();
    const options = await loginOptions(credential);
    const json = authenticator.createAssertion(options, { origin: ORIGIN });
    const parsed = parseAuthenticationResponse(json);
    expect(parsed.challenge).toBe(options.challenge);
    expect(parsed.id).toBe(credential.id);
    expect(parsed.userId).toBe(USER.id);
    expect(parseAuthenticationResponse(parsed)).toBe(parsed);
    expect(readAssertionIdentity(parsed)).toEqual({ credentialId: credential.id, userId: USER.id });
    const result = await verifyAuthentication({
      rp: RP,
      response: parsed,
      expectedChallenge: parsed.challenge,
      credential: { id: credential.id, publicKey: credential.publicKey, counter: 0 },
      requireUserVerification: false,
    });
    expect(result.newCounter).toBe(1);
  });

  it("does not trust a look-alike of a parse result: it is parsed as client JSON and refused", async () => {
    const { authenticator, credential } = await register();
    const options = await loginOptions(credential);
    const parsed = parseAuthenticationResponse(
      authenticator.createAssertion(options, { origin: ORIGIN }),
    );
    const lookAlike = { ...parsed };
    await expectClientError(
      () => parseAuthenticationResponse(lookAlike),
      "webauthn_invalid_response",
    );
    await expectClientError(
      () =>
        verifyAuthentication({
          rp: RP,
          response: lookAlike,
          expectedChallenge: parsed.challenge,
          credential: { id: credential.id, publicKey: credential.publicKey, counter: 0 },
          requireUserVerification: false,
        }),
      "webauthn_invalid_response",
    );
  });

  it("does not take a parsed assertion for a registration, nor the reverse", async () => {
    const registration = await register();
    const options = await loginOptions(registration.credential);
    const assertion = parseAuthenticationResponse(
      registration.authenticator.createAssertion(options, { origin: ORIGIN }),
    );
    await expectClientError(
      () => verifyRegistration({ rp: RP, response: assertion, expectedChallenge: "x" }),
      "webauthn_invalid_response",
    );
    const attestation = parseRegistrationResponse(registration.response);
    await expectClientError(
      () => parseAuthenticationResponse(attestation),
      "webauthn_invalid_response",
    );
  });

  it("refuses a clientDataJSON over 4096 characters and an empty challenge", async () => {
    const options = await createRegistrationOptions({ rp: RP, user: USER, excludeCredentials: [] });
    const padded = new SoftAuthenticator().createAttestation(options, {
      origin: `${ORIGIN}/${"a".repeat(3100)}`,
    });
    expect(padded.response.clientDataJSON.length).toBeGreaterThan(4096);
    await expectClientError(() => parseRegistrationResponse(padded), "webauthn_invalid_response");
    const empty = new SoftAuthenticator().createAttestation(options, {
      origin: ORIGIN,
      challenge: "",
    });
    await expectClientError(() => parseRegistrationResponse(empty), "webauthn_invalid_response");
  });
});
