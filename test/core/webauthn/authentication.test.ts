import { describe, expect, it } from "vitest";
import {
  CHALLENGE_BYTES,
  DEFAULT_CHALLENGE_TIMEOUT_MS,
  createAuthenticationOptions,
  readAssertionCredentialId,
  readAssertionIdentity,
  verifyAuthentication,
  type RegisteredCredential,
} from "../../../src/core/webauthn/index.js";
import { ORIGIN, RP, USER, expectClientError, loginOptions, register } from "./setup.js";

function stored(credential: RegisteredCredential, counter = credential.counter) {
  return { id: credential.id, publicKey: credential.publicKey, counter };
}

describe("createAuthenticationOptions", () => {
  it("names the allowed credentials, the RP ID, the user verification requirement and a 5-minute timeout", async () => {
    const options = await createAuthenticationOptions({
      rp: RP,
      allowCredentials: [{ id: "AAECAwQFBgcICQoLDA0ODw", transports: ["internal", "bogus"] }],
      userVerification: "discouraged",
    });
    expect(options.rpId).toBe(RP.id);
    expect(options.allowCredentials).toEqual([
      { id: "AAECAwQFBgcICQoLDA0ODw", transports: ["internal"], type: "public-key" },
    ]);
    expect(options.userVerification).toBe("discouraged");
    expect(options.timeout).toBe(DEFAULT_CHALLENGE_TIMEOUT_MS);
    expect(Buffer.from(options.challenge, "base64url").byteLength).toBe(CHALLENGE_BYTES);
  });

  it("leaves allowCredentials empty for a passwordless login with a discoverable credential", async () => {
    const options = await createAuthenticationOptions({
      rp: RP,
      allowCredentials: [],
      userVerification: "required",
    });
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.userVerification).toBe("required");
  });

  it("makes a different challenge every time", async () => {
    const input = { rp: RP, allowCredentials: [], userVerification: "preferred" as const };
    const a = await createAuthenticationOptions(input);
    const b = await createAuthenticationOptions(input);
    expect(a.challenge).not.toBe(b.challenge);
  });

  it("throws TypeError for an unknown user verification requirement", async () => {
    await expect(
      createAuthenticationOptions({
        rp: RP,
        allowCredentials: [],
        userVerification: "sometimes" as "required",
      }),
    ).rejects.toThrow(TypeError);
  });
});

describe("a registration then authentication round trip", () => {
  it("verifies an assertion made with the registered credential and returns the new counter", async () => {
    const { authenticator, credential } = await register();
    const options = await loginOptions(credential);
    const response = authenticator.createAssertion(options, { origin: ORIGIN });

    expect(readAssertionCredentialId(response)).toBe(credential.id);
    const result = await verifyAuthentication({
      rp: RP,
      response,
      expectedChallenge: options.challenge,
      credential: stored(credential),
      expectedUserId: USER.id,
      requireUserVerification: false,
    });
    expect(result).toEqual({
      newCounter: 1,
      userVerified: true,
      deviceType: "singleDevice",
      backedUp: false,
    });
  });

  it("logs in passwordless: the user handle names the user before verification", async () => {
    const { authenticator, credential } = await register();
    const options = await createAuthenticationOptions({
      rp: RP,
      allowCredentials: [],
      userVerification: "required",
    });
    const response = authenticator.createAssertion(options, { origin: ORIGIN });
    expect(readAssertionIdentity(response)).toEqual({
      credentialId: credential.id,
      userId: USER.id,
    });
    const result = await verifyAuthentication({
      rp: RP,
      response,
      expectedChallenge: options.challenge,
      credential: stored(credential),
      expectedUserId: USER.id,
      requireUserVerification: true,
    });
    expect(result.userVerified).toBe(true);
  });

  it("reports no user id for a credential that is not discoverable", async () => {
    const { authenticator, credential } = await register({ discoverable: false });
    const options = await loginOptions(credential);
    const response = authenticator.createAssertion(options, { origin: ORIGIN });
    expect(readAssertionIdentity(response)).toEqual({ credentialId: credential.id, userId: null });
    const result = await verifyAuthentication({
      rp: RP,
      response,
      expectedChallenge: options.challenge,
      credential: stored(credential),
      expectedUserId: USER.id,
      requireUserVerification: false,
    });
    expect(result.newCounter).toBe(1);
  });

  it("accepts a missing user verification when it is only preferred, and says so", async () => {
    const { authenticator, credential } = await register();
    const options = await loginOptions(credential, "preferred");
    const response = authenticator.createAssertion(options, {
      origin: ORIGIN,
      flags: { uv: false },
    });
    const result = await verifyAuthentication({
      rp: RP,
      response,
      expectedChallenge: options.challenge,
      credential: stored(credential),
      requireUserVerification: false,
    });
    expect(result.userVerified).toBe(false);
  });

  it("reports the backup state of a synced passkey and accepts it when the stored BE matches", async () => {
    const { authenticator, credential } = await register({ flags: { be: true, bs: true } });
    const options = await loginOptions(credential);
    const response = authenticator.createAssertion(options, { origin: ORIGIN });
    const result = await verifyAuthentication({
      rp: RP,
      response,
      expectedChallenge: options.challenge,
      credential: { ...stored(credential), backupEligible: true },
      requireUserVerification: false,
    });
    expect(result.deviceType).toBe("multiDevice");
    expect(result.backedUp).toBe(true);
  });

  it("accepts counter 0 after 0 (an authenticator without a counter)", async () => {
    const { authenticator, credential } = await register({ counter: 0 });
    for (let i = 0; i < 2; i++) {
      const options = await loginOptions(credential);
      const response = authenticator.createAssertion(options, { origin: ORIGIN, counter: 0 });
      const result = await verifyAuthentication({
        rp: RP,
        response,
        expectedChallenge: options.challenge,
        credential: stored(credential, 0),
        requireUserVerification: false,
      });
      expect(result.newCounter).toBe(0);
    }
  });

  it("accepts counter 1 after 0, and every increase after that", async () => {
    const { authenticator, credential } = await register({ counter: 0 });
    let counter = 0;
    for (const next of [1, 2, 10, 2 ** 32 - 1]) {
      const options = await loginOptions(credential);
      const response = authenticator.createAssertion(options, { origin: ORIGIN, counter: next });
      const result = await verifyAuthentication({
        rp: RP,
        response,
        expectedChallenge: options.challenge,
        credential: stored(credential, counter),
        requireUserVerification: false,
      });
      expect(result.newCounter).toBe(next);
      counter = result.newCounter;
    }
  });

  it("throws TypeError on misuse: empty challenge, bad stored key or counter", async () => {
    const { authenticator, credential } = await register();
    const options = await loginOptions(credential);
    const response = authenticator.createAssertion(options, { origin: ORIGIN });
    const base = {
      rp: RP,
      response,
      expectedChallenge: options.challenge,
      credential: stored(credential),
      requireUserVerification: false,
    };
    await expect(verifyAuthentication({ ...base, expectedChallenge: "" })).rejects.toThrow(
      TypeError,
    );
    await expect(
      verifyAuthentication({
        ...base,
        credential: { ...stored(credential), publicKey: new Uint8Array([1, 2, 3]) },
      }),
    ).rejects.toThrow(TypeError);
    await expect(
      verifyAuthentication({ ...base, credential: { ...stored(credential), counter: -1 } }),
    ).rejects.toThrow(TypeError);
  });
});

describe("credentials of every offered algorithm", () => {
  for (const keyAlgorithm of ["ES256", "EdDSA", "RS256"] as const) {
    it(`registers and verifies an ${keyAlgorithm} credential, and refuses another key's signature`, async () => {
      const { authenticator, credential } = await register({ keyAlgorithm });
      const options = await loginOptions(credential);
      const verify = (response: unknown) =>
        verifyAuthentication({
          rp: RP,
          response,
          expectedChallenge: options.challenge,
          credential: stored(credential),
          requireUserVerification: true,
        });
      const result = await verify(authenticator.createAssertion(options, { origin: ORIGIN }));
      expect(result.newCounter).toBe(1);

      const impostor = await register({ keyAlgorithm });
      const forged = authenticator.createAssertion(options, {
        origin: ORIGIN,
        counter: 2,
        signingKey: impostor.authenticator.credential(impostor.credential.id).privateKey,
      });
      await expectClientError(() => verify(forged), "webauthn_verification_failed");
    });
  }
});
