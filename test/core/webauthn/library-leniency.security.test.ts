/**
 * Where Tessera is stricter than @simplewebauthn/server. Each test first shows the library
 * accepting a malformed response on its own (so the strict check is not dead code: it refuses
 * something that would otherwise get through), then shows Tessera refusing the same response.
 * The checks: `assertSingleCborItem` (trailing bytes after the attestation object),
 * `cborItemEnd` via the parse (a CBOR item whose declared length runs past the end),
 * `assertAuthenticatorDataStructure` (a credential public key cut short), `isDerEcdsaSignature`
 * (an ES256 signature in BER instead of strict DER) and `usableCoseKeyAlgorithm` (a public key
 * that cannot be used).
 */
import {
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { generateKeyPairSync } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { describe, expect, it } from "vitest";
import {
  createRegistrationOptions,
  parseAuthenticationResponse,
  parseRegistrationResponse,
  verifyAuthentication,
  verifyRegistration,
} from "../../../src/core/webauthn/index.js";
import { SoftAuthenticator, coseEc2Key } from "../../helpers/soft-authenticator.js";
import { ORIGIN, RP, USER, expectClientError, loginOptions, register } from "./setup.js";

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, "base64url"));

/** A fresh registration response and its challenge. */
async function attestation(coseKey?: Uint8Array) {
  const options = await createRegistrationOptions({ rp: RP, user: USER, excludeCredentials: [] });
  const response = new SoftAuthenticator().createAttestation(options, {
    origin: ORIGIN,
    ...(coseKey === undefined ? {} : { coseKey }),
  });
  return { response, challenge: options.challenge };
}

/** The same response with another attestation object. */
function withAttestationObject(
  response: RegistrationResponseJSON,
  attestationObject: Uint8Array,
): RegistrationResponseJSON {
  return {
    ...response,
    response: { ...response.response, attestationObject: b64url(attestationObject) },
  };
}

/** The attestation object of `response`, re-encoded with `authData` replaced. */
function withAuthData(response: RegistrationResponseJSON, authData: Uint8Array) {
  const decoded = isoCBOR.decodeFirst(bytesOf(response.response.attestationObject));
  if (!(decoded instanceof Map)) throw new Error("attestation object is not a map");
  const copy = new Map(decoded);
  copy.set("authData", authData);
  return withAttestationObject(
    response,
    isoCBOR.encode(copy as Parameters<typeof isoCBOR.encode>[0]),
  );
}

/** What the library alone says of a registration response. */
async function libraryRegisters(response: RegistrationResponseJSON, challenge: string) {
  const result = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP.id,
  });
  return result.verified;
}

describe("CBOR: Tessera refuses what the library's decoder (tiny-cbor) lets through", () => {
  it("refuses bytes after the attestation object, which the library ignores (assertSingleCborItem)", async () => {
    const { response, challenge } = await attestation();
    const trailing = withAttestationObject(
      response,
      new Uint8Array([...bytesOf(response.response.attestationObject), 0x00, 0xff]),
    );
    // The library: isoCBOR.decodeFirst reads the first item and drops the rest.
    expect(await libraryRegisters(trailing, challenge)).toBe(true);
    // Tessera: exactly one CBOR item (CTAP 2.1 §8 canonical CBOR; W3C WebAuthn §6.5.4).
    await expectClientError(() => parseRegistrationResponse(trailing), "webauthn_invalid_response");
    await expectClientError(
      () => verifyRegistration({ rp: RP, response: trailing, expectedChallenge: challenge }),
      "webauthn_invalid_response",
    );
    // The honest response passes both.
    expect(await libraryRegisters(response, challenge)).toBe(true);
    await verifyRegistration({ rp: RP, response, expectedChallenge: challenge });
  });

  it("refuses a byte string whose declared length runs past the end, which the library cuts short (cborItemEnd)", async () => {
    // The leniency itself: a byte string declared 4 bytes long with 2 present decodes to 2.
    expect(isoCBOR.decodeFirst(new Uint8Array([0x44, 1, 2]))).toEqual(new Uint8Array([1, 2]));

    const { response, challenge } = await attestation();
    // authData is the attestation object's last item, so dropping the last byte leaves its
    // header claiming one byte more than there is: the COSE key's y coordinate is cut short.
    const encoded = bytesOf(response.response.attestationObject);
    const truncated = withAttestationObject(response, encoded.subarray(0, encoded.byteLength - 1));
    expect(await libraryRegisters(truncated, challenge)).toBe(true);
    await expectClientError(
      () => parseRegistrationResponse(truncated),
      "webauthn_invalid_response",
    );
    await expectClientError(
      () => verifyRegistration({ rp: RP, response: truncated, expectedChallenge: challenge }),
      "webauthn_invalid_response",
    );
  });

  it("refuses authenticator data whose credential public key is cut short (assertAuthenticatorDataStructure)", async () => {
    const { response, challenge } = await attestation();
    const decoded = isoCBOR.decodeFirst(bytesOf(response.response.attestationObject));
    const authData = (decoded as Map<string, Uint8Array>).get("authData");
    if (authData === undefined) throw new Error("no authData");
    // A well-formed attestation object around authenticator data missing its last byte: the
    // library re-encodes the short COSE key and finds no bytes left over.
    const cut = withAuthData(response, authData.subarray(0, authData.byteLength - 1));
    expect(await libraryRegisters(cut, challenge)).toBe(true);
    await expectClientError(() => parseRegistrationResponse(cut), "webauthn_invalid_response");
  });
});

/** DER pieces: a definite length in short or long form (X.690 §8.1.3). */
function derLength(length: number, longForm: boolean): number[] {
  return longForm ? [0x81, length] : [length];
}

/** Re-encodes a DER Ecdsa-Sig-Value (RFC 3279 §2.2.3) with BER liberties. */
function reencodeSignature(
  der: Uint8Array,
  liberties: {
    otherTagClass?: boolean;
    longSequenceLength?: boolean;
    longIntegerLength?: boolean;
    trailing?: boolean;
  },
): Uint8Array {
  const rLength = der[3] ?? 0;
  const r = der.subarray(4, 4 + rLength);
  const sLength = der[5 + rLength] ?? 0;
  const s = der.subarray(6 + rLength, 6 + rLength + sLength);
  const integer = (value: Uint8Array) => [
    0x02,
    ...derLength(value.byteLength, liberties.longIntegerLength === true),
    ...value,
  ];
  const body = [...integer(r), ...integer(s)];
  return new Uint8Array([
    // 0xb0: the SEQUENCE tag number 16, but context-specific instead of universal (X.690 §8.1.2).
    liberties.otherTagClass === true ? 0xb0 : 0x30,
    ...derLength(body.length, liberties.longSequenceLength === true),
    ...body,
    ...(liberties.trailing === true ? [0x00] : []),
  ]);
}

describe("signatures: Tessera refuses ES256 signatures that are BER but not DER (isDerEcdsaSignature)", () => {
  it.each([
    ["a SEQUENCE tag of another class", { otherTagClass: true }],
    ["a long-form SEQUENCE length", { longSequenceLength: true }],
    ["long-form INTEGER lengths", { longIntegerLength: true }],
    ["a byte after the SEQUENCE", { trailing: true }],
  ])("refuses %s, which the library verifies", async (_label, liberties) => {
    const { authenticator, credential } = await register();
    const options = await loginOptions(credential);
    const honest: AuthenticationResponseJSON = authenticator.createAssertion(options, {
      origin: ORIGIN,
    });
    const signature = reencodeSignature(bytesOf(honest.response.signature), liberties);
    const forged = { ...honest, response: { ...honest.response, signature: b64url(signature) } };
    // The library: @peculiar/asn1-schema parses BER and does not check the outer tag's class,
    // so the same r and s verify.
    const library = await verifyAuthenticationResponse({
      response: forged,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP.id,
      credential: {
        id: credential.id,
        publicKey: new Uint8Array(credential.publicKey),
        counter: 0,
      },
    });
    expect(library.verified).toBe(true);
    // Tessera: W3C WebAuthn §6.5.5 requires the DER encoding (X.690 §10), nothing else.
    const verify = (response: unknown) =>
      verifyAuthentication({
        rp: RP,
        response,
        expectedChallenge: options.challenge,
        credential: { id: credential.id, publicKey: credential.publicKey, counter: 0 },
        requireUserVerification: false,
      });
    await expectClientError(() => verify(forged), "webauthn_verification_failed");
    await expectClientError(
      () => verify(parseAuthenticationResponse(forged)),
      "webauthn_verification_failed",
    );
    expect((await verify(honest)).newCounter).toBe(1);
  });
});

describe("keys: Tessera refuses a credential public key it could never verify with (usableCoseKeyAlgorithm)", () => {
  it("refuses an ES256 key that is not a point on P-256, which the library registers", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const cose = isoCBOR.decodeFirst<Map<number, unknown>>(new Uint8Array(coseEc2Key(publicKey)));
    const x = Uint8Array.from(cose.get(-2) as Uint8Array);
    x[0] = (x[0] ?? 0) ^ 1;
    cose.set(-2, x);
    const { response, challenge } = await attestation(
      isoCBOR.encode(cose as Parameters<typeof isoCBOR.encode>[0]),
    );
    // The library: with attestation "none" nothing is verified with the key, so it is stored.
    expect(await libraryRegisters(response, challenge)).toBe(true);
    // Tessera: node:crypto must import it, or every later sign-in with it would fail.
    await expectClientError(
      () => verifyRegistration({ rp: RP, response, expectedChallenge: challenge }),
      "webauthn_verification_failed",
    );
  });
});
