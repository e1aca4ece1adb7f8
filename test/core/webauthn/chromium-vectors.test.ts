/**
 * Real authenticator output: responses captured from Chromium's CDP virtual authenticator
 * (test/vectors/webauthn/*.json, made by scripts/capture-webauthn-vectors.ts, which records
 * the Chromium version and the CDP options) verified by the core ceremonies at the captured
 * challenges, with the clock frozen at the capture time (the packed attestation's batch
 * certificate has a validity period).
 */
import { readFileSync, readdirSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ClientError } from "../../../src/core/errors.js";
import {
  readAssertionIdentity,
  verifyAuthentication,
  verifyRegistration,
  type RelyingParty,
} from "../../../src/core/webauthn/index.js";

interface CapturedVector {
  source: string;
  description: string;
  chromium: string;
  capturedAt: string;
  cdp: { method: string; options: Record<string, unknown> };
  origin: string;
  rpId: string;
  registration: {
    options: {
      challenge: string;
      user: { id: string };
      attestation: string;
      authenticatorSelection: { userVerification: string };
    };
    response: { id: string; response: { attestationObject: string; transports?: string[] } };
  };
  authentication: {
    options: { challenge: string; userVerification: string };
    response: { id: string; response: { userHandle?: string } };
  };
}

const VECTOR_DIR = new URL("../../vectors/webauthn/", import.meta.url);
const VECTORS = readdirSync(VECTOR_DIR)
  .filter((file) => file.endsWith(".json"))
  .sort()
  .map((file) => ({
    file,
    vector: JSON.parse(readFileSync(new URL(file, VECTOR_DIR), "utf8")) as CapturedVector,
  }));

/** The attestation format inside a CBOR attestation object: the text after the key "fmt". */
function attestationFormat(attestationObject: string): string {
  const bytes = Buffer.from(attestationObject, "base64url");
  // {fmt: text, …}: 0xa3 map(3), 0x63 "fmt", then a short text string header 0x60 + length.
  expect(bytes.subarray(0, 5).toString("latin1")).toBe("\xa3cfmt");
  const length = bytes[5]! - 0x60;
  return bytes.subarray(6, 6 + length).toString("utf8");
}

describe("the captured Chromium vectors", () => {
  it("are there, and each names its source, browser and CDP options", () => {
    expect(VECTORS.map(({ file }) => file)).toEqual([
      "chromium-none-es256.json",
      "chromium-packed-es256.json",
    ]);
    for (const { vector } of VECTORS) {
      expect(vector.source).toMatch(/Chromium's CDP virtual authenticator/);
      expect(vector.chromium).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(vector.cdp.method).toBe("WebAuthn.addVirtualAuthenticator");
      expect(vector.cdp.options).toHaveProperty("protocol", "ctap2");
    }
  });
});

describe.each(VECTORS)("the Chromium vector $file", ({ vector }) => {
  const rp: RelyingParty = { id: vector.rpId, name: "Tessera", origins: [vector.origin] };
  const requireUserVerification =
    vector.registration.options.authenticatorSelection.userVerification === "required" ||
    vector.registration.options.authenticatorSelection.userVerification === "preferred";

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date(vector.capturedAt) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("holds the attestation format it was captured for", () => {
    const expected = vector.registration.options.attestation === "none" ? "none" : "packed";
    expect(attestationFormat(vector.registration.response.response.attestationObject)).toBe(
      expected,
    );
  });

  it("registers at the captured challenge, then verifies the assertion with the stored key", async () => {
    const credential = await verifyRegistration({
      rp,
      response: vector.registration.response,
      expectedChallenge: vector.registration.options.challenge,
      requireUserVerification,
    });
    expect(credential.id).toBe(vector.registration.response.id);
    expect(credential.userVerified).toBe(requireUserVerification);
    expect(credential.transports).toEqual(vector.registration.response.response.transports);

    const identity = readAssertionIdentity(vector.authentication.response);
    expect(identity.credentialId).toBe(credential.id);

    const result = await verifyAuthentication({
      rp,
      response: vector.authentication.response,
      expectedChallenge: vector.authentication.options.challenge,
      credential: {
        id: credential.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: credential.transports,
      },
      requireUserVerification,
    });
    expect(result.newCounter).toBeGreaterThan(credential.counter);
    expect(result.userVerified).toBe(requireUserVerification);
  });

  it("refuses the same responses under another challenge or another origin", async () => {
    await expect(
      verifyRegistration({
        rp,
        response: vector.registration.response,
        expectedChallenge: vector.authentication.options.challenge,
        requireUserVerification,
      }),
    ).rejects.toBeInstanceOf(ClientError);
    await expect(
      verifyRegistration({
        rp: { ...rp, origins: ["https://elsewhere.test"] },
        response: vector.registration.response,
        expectedChallenge: vector.registration.options.challenge,
        requireUserVerification,
      }),
    ).rejects.toBeInstanceOf(ClientError);
  });
});
