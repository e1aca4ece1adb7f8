import { describe, expect, it } from "vitest";
import {
  CHALLENGE_BYTES,
  DEFAULT_CHALLENGE_TIMEOUT_MS,
  createRegistrationOptions,
  verifyRegistration,
} from "../../../src/core/webauthn/index.js";
import { SoftAuthenticator } from "../../helpers/soft-authenticator.js";
import { ORIGIN, RP, USER, expectClientError, register } from "./setup.js";

const b64urlBytes = (value: string) => Buffer.from(value, "base64url");

describe("createRegistrationOptions", () => {
  it("asks for a discoverable credential, user verification preferred and no attestation", async () => {
    const options = await createRegistrationOptions({
      rp: RP,
      user: USER,
      excludeCredentials: [],
    });
    expect(options.rp).toEqual({ id: "app.example.com", name: "Tessera" });
    expect(options.authenticatorSelection?.residentKey).toBe("preferred");
    expect(options.authenticatorSelection?.userVerification).toBe("preferred");
    expect(options.attestation).toBe("none");
    expect(options.timeout).toBe(DEFAULT_CHALLENGE_TIMEOUT_MS);
    expect(DEFAULT_CHALLENGE_TIMEOUT_MS).toBe(300_000);
    expect(options.pubKeyCredParams).toEqual([
      { alg: -7, type: "public-key" },
      { alg: -8, type: "public-key" },
      { alg: -257, type: "public-key" },
    ]);
  });

  it("uses the UTF-8 bytes of the user id as the user handle and the name as display name", async () => {
    const options = await createRegistrationOptions({
      rp: RP,
      user: USER,
      excludeCredentials: [],
    });
    expect(b64urlBytes(options.user.id).toString("utf8")).toBe(USER.id);
    expect(options.user.name).toBe("alice");
    expect(options.user.displayName).toBe("alice");
  });

  it("lists the user's existing credentials in excludeCredentials with their known transports", async () => {
    const options = await createRegistrationOptions({
      rp: RP,
      user: { ...USER, displayName: "Alice A." },
      excludeCredentials: [
        { id: "AAECAwQFBgcICQoLDA0ODw", transports: ["usb", "carrier-pigeon", "nfc"] },
        { id: "EBESExQVFhcYGRobHB0eHw" },
      ],
    });
    expect(options.user.displayName).toBe("Alice A.");
    expect(options.excludeCredentials).toEqual([
      { id: "AAECAwQFBgcICQoLDA0ODw", transports: ["usb", "nfc"], type: "public-key" },
      { id: "EBESExQVFhcYGRobHB0eHw", type: "public-key" },
    ]);
  });

  it("makes a fresh challenge of at least 16 random bytes every time (W3C §13.4.3)", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const { challenge } = await createRegistrationOptions({
        rp: RP,
        user: USER,
        excludeCredentials: [],
      });
      expect(b64urlBytes(challenge).byteLength).toBe(CHALLENGE_BYTES);
      seen.add(challenge);
    }
    expect(CHALLENGE_BYTES).toBeGreaterThanOrEqual(16);
    expect(seen.size).toBe(100);
  });

  it("throws TypeError on misuse: empty or over-long user id, bad stored credential id, no origins", async () => {
    const base = { rp: RP, user: USER, excludeCredentials: [] };
    await expect(
      createRegistrationOptions({ ...base, user: { id: "", name: "a" } }),
    ).rejects.toThrow(TypeError);
    await expect(
      createRegistrationOptions({ ...base, user: { id: "é".repeat(33), name: "a" } }),
    ).rejects.toThrow(TypeError);
    await expect(
      createRegistrationOptions({ ...base, excludeCredentials: [{ id: "not base64url!" }] }),
    ).rejects.toThrow(TypeError);
    await expect(
      createRegistrationOptions({ ...base, rp: { ...RP, origins: [] } }),
    ).rejects.toThrow(TypeError);
    await expect(createRegistrationOptions({ ...base, timeoutMs: 0 })).rejects.toThrow(TypeError);
  });
});

describe("verifyRegistration", () => {
  it("returns the credential to store from a valid none attestation", async () => {
    const { authenticator, credential, response } = await register();
    const held = authenticator.credentials[0];
    expect(credential.id).toBe(response.id);
    expect(credential.id).toBe(held?.id);
    expect(b64urlBytes(credential.id).byteLength).toBe(32);
    expect(credential.counter).toBe(0);
    expect(credential.transports).toEqual(["internal"]);
    expect(credential.deviceType).toBe("singleDevice");
    expect(credential.backedUp).toBe(false);
    expect(credential.userVerified).toBe(true);
    expect(credential.aaguid).toBe("00000000-0000-0000-0000-000000000000");
    // The stored key is the COSE form of the authenticator's public key.
    const jwk = held?.publicKey.export({ format: "jwk" });
    const cose = Buffer.from(credential.publicKey).toString("hex");
    expect(cose).toContain(Buffer.from(jwk?.x ?? "", "base64url").toString("hex"));
    expect(cose).toContain(Buffer.from(jwk?.y ?? "", "base64url").toString("hex"));
  });

  it("records a synced passkey as multiDevice and backed up", async () => {
    const { credential } = await register({ flags: { be: true, bs: true } });
    expect(credential.deviceType).toBe("multiDevice");
    expect(credential.backedUp).toBe(true);
  });

  it("accepts a credential without user verification when it is only preferred, and records it", async () => {
    const { credential } = await register({ flags: { uv: false } });
    expect(credential.userVerified).toBe(false);
  });

  it("keeps only known transports, once each", async () => {
    const { credential } = await register({ transports: ["usb", "usb", "x-ray", "hybrid"] });
    expect(credential.transports).toEqual(["usb", "hybrid"]);
  });

  it("keeps the counter the authenticator starts with", async () => {
    const { credential } = await register({ counter: 41 });
    expect(credential.counter).toBe(41);
  });

  it("accepts a credential id of exactly 1023 bytes (W3C §7.1 step 25)", async () => {
    const { credential } = await register({ credentialIdBytes: 1023 });
    expect(b64urlBytes(credential.id).byteLength).toBe(1023);
  });

  it("accepts any of the configured origins", async () => {
    const rp = { ...RP, origins: ["https://other.example.com", ORIGIN] };
    const options = await createRegistrationOptions({ rp, user: USER, excludeCredentials: [] });
    const response = new SoftAuthenticator().createAttestation(options, { origin: ORIGIN });
    const credential = await verifyRegistration({
      rp,
      response,
      expectedChallenge: options.challenge,
    });
    expect(credential.id).toBe(response.id);
  });

  it("throws TypeError when the expected challenge is missing", async () => {
    const { response } = await register();
    await expect(verifyRegistration({ rp: RP, response, expectedChallenge: "" })).rejects.toThrow(
      TypeError,
    );
  });

  it("refuses user verification missing when the caller requires it", async () => {
    const options = await createRegistrationOptions({ rp: RP, user: USER, excludeCredentials: [] });
    const response = new SoftAuthenticator().createAttestation(options, {
      origin: ORIGIN,
      flags: { uv: false },
    });
    await expectClientError(
      () =>
        verifyRegistration({
          rp: RP,
          response,
          expectedChallenge: options.challenge,
          requireUserVerification: true,
        }),
      "webauthn_verification_failed",
    );
  });
});
