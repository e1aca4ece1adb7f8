/**
 * Security checks of the WebAuthn ceremonies (security catalog WA-04..WA-09; W3C WebAuthn
 * Level 3 §7.1 and §7.2). Each refusal changes one thing in an otherwise valid response, and
 * where possible the same response is shown to pass once that one thing is expected.
 */
import { generateKeyPairSync } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClientError } from "../../../src/core/errors.js";
import {
  createRegistrationOptions,
  readAssertionCredentialId,
  readAssertionIdentity,
  verifyAuthentication,
  verifyRegistration,
  type AuthenticationResponseJSON,
  type RegisteredCredential,
  type RegistrationResponseJSON,
} from "../../../src/core/webauthn/index.js";
import {
  SoftAuthenticator,
  coseEc2Key,
  type AssertionOverrides,
  type AttestationOverrides,
} from "../../helpers/soft-authenticator.js";
import {
  ORIGIN,
  RP,
  USER,
  errorOf,
  expectClientError,
  loginOptions,
  register,
  truncate,
  withField,
} from "./setup.js";

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");
/** base64url of the CBOR encoding of `value` (Maps with string or integer keys). */
const cbor = (value: unknown) =>
  b64url(isoCBOR.encode(value as Parameters<typeof isoCBOR.encode>[0]));

/** A registration response with overrides, and a verifier taking optional expectations. */
async function attestation(overrides: Partial<AttestationOverrides> = {}) {
  const options = await createRegistrationOptions({ rp: RP, user: USER, excludeCredentials: [] });
  const response = new SoftAuthenticator().createAttestation(options, {
    origin: ORIGIN,
    ...overrides,
  });
  const verify = (more: { rp?: typeof RP; challenge?: string; requireUv?: boolean } = {}) =>
    verifyRegistration({
      rp: more.rp ?? RP,
      response,
      expectedChallenge: more.challenge ?? options.challenge,
      requireUserVerification: more.requireUv ?? false,
    });
  return { options, response, verify };
}

/** An assertion with overrides for a freshly registered credential. */
async function assertion(
  overrides: Partial<AssertionOverrides> = {},
  registration: Partial<AttestationOverrides> = {},
) {
  const { authenticator, credential } = await register(registration);
  const options = await loginOptions(credential);
  const response = authenticator.createAssertion(options, { origin: ORIGIN, ...overrides });
  const verify = (
    more: {
      rp?: typeof RP;
      challenge?: string;
      requireUv?: boolean;
      counter?: number;
      stored?: Partial<RegisteredCredential> & { backupEligible?: boolean };
      expectedUserId?: string;
      response?: unknown;
    } = {},
  ) =>
    verifyAuthentication({
      rp: more.rp ?? RP,
      response: more.response ?? response,
      expectedChallenge: more.challenge ?? options.challenge,
      credential: {
        id: credential.id,
        publicKey: credential.publicKey,
        counter: more.counter ?? credential.counter,
        ...more.stored,
      },
      expectedUserId: more.expectedUserId,
      requireUserVerification: more.requireUv ?? false,
    });
  return { authenticator, credential, options, response, verify };
}

describe("registration refuses a response that fails a check (W3C §7.1)", () => {
  it("refuses an origin outside the allow-list: other site, other scheme, other port, suffix trick (WA-05)", async () => {
    for (const origin of [
      "https://evil.example",
      "http://app.example.com",
      "https://app.example.com:8443",
      "https://app.example.com.evil.com",
      "https://APP.example.com",
      "",
    ]) {
      const { verify } = await attestation({ origin });
      await expectClientError(() => verify(), "webauthn_verification_failed");
      // The same response passes once its origin is allowed: only the origin was wrong.
      if (origin !== "") await verify({ rp: { ...RP, origins: [ORIGIN, origin] } });
    }
  });

  it("refuses an RP ID hash of another RP ID (WA-05, §7.1 step 14)", async () => {
    const { verify } = await attestation({ rpId: "evil.example" });
    await expectClientError(() => verify(), "webauthn_verification_failed");
    await verify({ rp: { ...RP, id: "evil.example" } });
  });

  it("refuses a challenge other than the ceremony's (WA-04, §7.1 step 8)", async () => {
    const other = await createRegistrationOptions({ rp: RP, user: USER, excludeCredentials: [] });
    const { verify } = await attestation();
    await expectClientError(
      () => verify({ challenge: other.challenge }),
      "webauthn_verification_failed",
    );
    await verify();
  });

  it("refuses a clientData type of webauthn.get (WA-04, §7.1 step 7)", async () => {
    const { verify } = await attestation({ type: "webauthn.get" });
    await expectClientError(() => verify(), "webauthn_verification_failed");
  });

  it("refuses a response without user presence (§7.1 step 15)", async () => {
    const { verify } = await attestation({ flags: { up: false } });
    await expectClientError(() => verify(), "webauthn_verification_failed");
  });

  it("refuses missing user verification when required, accepts it when only preferred (§7.1 step 16)", async () => {
    const { verify } = await attestation({ flags: { uv: false } });
    await expectClientError(() => verify({ requireUv: true }), "webauthn_verification_failed");
    expect((await verify({ requireUv: false })).userVerified).toBe(false);
  });

  it("refuses a response made in a cross-origin iframe (§7.1 steps 10-11)", async () => {
    await expectClientError(
      async () => (await attestation({ crossOrigin: true })).verify(),
      "webauthn_verification_failed",
    );
    await expectClientError(
      async () => (await attestation({ topOrigin: "https://evil.example" })).verify(),
      "webauthn_verification_failed",
    );
  });

  it("refuses BS set without BE (WA-09, §7.1 step 17)", async () => {
    const { verify } = await attestation({ flags: { be: false, bs: true } });
    await expectClientError(() => verify(), "webauthn_verification_failed");
  });

  it("refuses a key algorithm that was not offered (WA-09, §7.1 step 20)", async () => {
    const { verify } = await attestation({ coseAlg: -36 }); // ES512
    await expectClientError(() => verify(), "webauthn_verification_failed");
  });

  it("refuses a key whose type does not match the algorithm it claims", async () => {
    for (const [keyAlgorithm, coseAlg] of [
      ["ES256", -8],
      ["EdDSA", -7],
      ["RS256", -7],
    ] as const) {
      const { verify } = await attestation({ keyAlgorithm, coseAlg });
      await expectClientError(() => verify(), "webauthn_verification_failed");
    }
  });

  it("refuses a public key that is not a point on P-256", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const cose = isoCBOR.decodeFirst<Map<number, unknown>>(new Uint8Array(coseEc2Key(publicKey)));
    const x = Uint8Array.from(cose.get(-2) as Uint8Array);
    x[0] = (x[0] ?? 0) ^ 1;
    cose.set(-2, x);
    const { verify } = await attestation({ coseKey: Buffer.from(cbor(cose), "base64url") });
    await expectClientError(() => verify(), "webauthn_verification_failed");
  });

  it("refuses an id that is not the attested credential id", async () => {
    const { response, options } = await attestation();
    const otherId = b64url(new Uint8Array(32).fill(7));
    const forged = { ...response, id: otherId, rawId: otherId };
    await expectClientError(
      () => verifyRegistration({ rp: RP, response: forged, expectedChallenge: options.challenge }),
      "webauthn_verification_failed",
    );
  });

  it("refuses a credential id longer than 1023 bytes (WA-09, §7.1 step 25)", async () => {
    const { verify } = await attestation({ credentialIdBytes: 1024 });
    await expectClientError(() => verify(), "webauthn_invalid_response");
  });

  it("refuses an attestation format other than the ones the library verifies", async () => {
    const { response, options } = await attestation();
    const object = isoCBOR.decodeFirst<Map<string, unknown>>(
      Buffer.from(response.response.attestationObject, "base64url"),
    );
    object.set("fmt", "made-up");
    const forged = withField(response, ["response", "attestationObject"], cbor(object));
    await expectClientError(
      () => verifyRegistration({ rp: RP, response: forged, expectedChallenge: options.challenge }),
      "webauthn_verification_failed",
    );
  });
});

describe("authentication refuses an assertion that fails a check (W3C §7.2)", () => {
  it("refuses an origin outside the allow-list (WA-05, §7.2 step 12)", async () => {
    for (const origin of ["https://evil.example", "http://app.example.com", `${ORIGIN}:8443`]) {
      const { verify } = await assertion({ origin });
      await expectClientError(() => verify(), "webauthn_verification_failed");
      await verify({ rp: { ...RP, origins: [origin] } });
    }
  });

  it("refuses an RP ID hash of another RP ID (WA-05, §7.2 step 15)", async () => {
    const { verify } = await assertion({ rpId: "evil.example" });
    await expectClientError(() => verify(), "webauthn_verification_failed");
    await verify({ rp: { ...RP, id: "evil.example" } });
  });

  it("refuses a challenge other than the ceremony's (WA-04, §7.2 step 11)", async () => {
    const { verify, authenticator, credential } = await assertion();
    const other = await loginOptions(credential);
    await expectClientError(
      () => verify({ challenge: other.challenge }),
      "webauthn_verification_failed",
    );
    expect(authenticator.credentials).toHaveLength(1);
  });

  it("refuses a clientData type of webauthn.create (WA-04, §7.2 step 10)", async () => {
    const { verify } = await assertion({ type: "webauthn.create" });
    await expectClientError(() => verify(), "webauthn_verification_failed");
  });

  it("refuses a registration response sent as an assertion", async () => {
    const { response: created, options } = await attestation();
    await expectClientError(() => readAssertionCredentialId(created), "webauthn_invalid_response");
    const { credential } = await register();
    await expectClientError(
      () =>
        verifyAuthentication({
          rp: RP,
          response: created,
          expectedChallenge: options.challenge,
          credential: { ...credential },
          requireUserVerification: false,
        }),
      "webauthn_invalid_response",
    );
  });

  it("refuses an assertion without user presence, even when UV is not required (WA-06, §7.2 step 16)", async () => {
    const { verify } = await assertion({ flags: { up: false } });
    await expectClientError(() => verify({ requireUv: false }), "webauthn_verification_failed");
  });

  it("refuses missing user verification when required, accepts it when preferred (WA-06, §7.2 step 17)", async () => {
    const { verify } = await assertion({ flags: { uv: false } });
    await expectClientError(() => verify({ requireUv: true }), "webauthn_verification_failed");
    expect((await verify({ requireUv: false })).userVerified).toBe(false);
  });

  it("refuses a signature made by another key (WA-06)", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const { verify } = await assertion({ signingKey: privateKey });
    await expectClientError(() => verify(), "webauthn_verification_failed");
  });

  it("refuses an assertion of another credential than the stored one (WA-07)", async () => {
    const alice = await register();
    const { verify } = await assertion();
    await expectClientError(
      () => verify({ stored: { id: alice.credential.id, publicKey: alice.credential.publicKey } }),
      "webauthn_verification_failed",
    );
    // Refused on the id alone, even when the stored key happens to verify the signature.
    await expectClientError(
      () => verify({ stored: { id: alice.credential.id } }),
      "webauthn_verification_failed",
    );
  });

  it("refuses an ES256 signature that is not strict DER (§6.5.5)", async () => {
    const { response, verify } = await assertion();
    const der = Buffer.from(response.response.signature, "base64url");
    const rLength = der[3] ?? 0;
    const variants = [
      Buffer.concat([Buffer.from([0xb0]), der.subarray(1)]), // tag class flipped
      Buffer.concat([Buffer.from([0x30, (der[1] ?? 0) + 1]), der.subarray(2)]), // length too long
      Buffer.concat([der, Buffer.from([0])]), // trailing byte
      // r padded with a needless leading zero
      Buffer.concat([
        Buffer.from([0x30, (der[1] ?? 0) + 1, 0x02, rLength + 1, 0x00]),
        der.subarray(4),
      ]),
    ];
    for (const signature of variants) {
      const forged = withField(response, ["response", "signature"], b64url(signature));
      await expectClientError(() => verify({ response: forged }), "webauthn_verification_failed");
    }
    expect((await verify()).newCounter).toBe(1);
  });

  it("refuses a user handle that is not the credential owner's (WA-07, §7.2 step 6)", async () => {
    const bobHandle = b64url("0d4f8a1e-bob");
    const { verify } = await assertion({ userHandle: bobHandle });
    await expectClientError(
      () => verify({ expectedUserId: USER.id }),
      "webauthn_verification_failed",
    );
    expect((await verify({ expectedUserId: "0d4f8a1e-bob" })).newCounter).toBe(1);
  });

  it("refuses a response made in a cross-origin iframe (§7.2 steps 13-14)", async () => {
    await expectClientError(
      async () => (await assertion({ crossOrigin: true })).verify(),
      "webauthn_verification_failed",
    );
    await expectClientError(
      async () => (await assertion({ topOrigin: "https://evil.example" })).verify(),
      "webauthn_verification_failed",
    );
  });

  it("refuses BS without BE, and a BE flag that changed since registration (§7.2 steps 18-19)", async () => {
    const bsWithoutBe = await assertion({ flags: { be: false, bs: true } });
    await expectClientError(() => bsWithoutBe.verify(), "webauthn_verification_failed");
    const beChanged = await assertion({ flags: { be: true, bs: false } });
    await expectClientError(
      () => beChanged.verify({ stored: { backupEligible: false } }),
      "webauthn_verification_failed",
    );
  });
});

describe("the signature counter (W3C §6.1.1, §7.2 step 22; WA-08)", () => {
  const cases: [stored: number, received: number][] = [
    [5, 5],
    [5, 3],
    [7, 0],
    [1, 0],
    [2 ** 32 - 1, 2 ** 32 - 1],
  ];
  for (const [storedCounter, received] of cases) {
    it(`refuses counter ${received} after ${storedCounter} with webauthn_counter_error`, async () => {
      const { verify } = await assertion({ counter: received });
      const error = await errorOf(() => verify({ counter: storedCounter }));
      expect(error).toBeInstanceOf(ClientError);
      expect((error as ClientError).code).toBe("webauthn_counter_error");
      expect((error as ClientError).kind).toBe("client_error");
      expect((error as Error).cause).toEqual({
        storedCounter,
        receivedCounter: received,
      });
    });
  }

  it("accepts 0 after 0 and 1 after 0", async () => {
    expect((await (await assertion({ counter: 0 })).verify({ counter: 0 })).newCounter).toBe(0);
    expect((await (await assertion({ counter: 1 })).verify({ counter: 0 })).newCounter).toBe(1);
  });

  it("checks the signature before the counter, so only the key holder can raise a clone alarm", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const { verify } = await assertion({ counter: 3, signingKey: privateKey });
    await expectClientError(() => verify({ counter: 5 }), "webauthn_verification_failed");
  });
});

/** A valid registration and assertion to corrupt. */
async function validResponses(): Promise<{
  registration: RegistrationResponseJSON;
  registrationChallenge: string;
  authentication: AuthenticationResponseJSON;
  authenticationChallenge: string;
  credential: RegisteredCredential;
}> {
  const { authenticator, credential, response, options } = await register();
  const login = await loginOptions(credential);
  return {
    registration: response,
    registrationChallenge: options.challenge,
    authentication: authenticator.createAssertion(login, { origin: ORIGIN }),
    authenticationChallenge: login.challenge,
    credential,
  };
}

const ONE_MEGABYTE = "A".repeat(1024 * 1024);

describe("malformed responses are webauthn_invalid_response, never another exception", () => {
  it("refuses responses that are not credential objects", async () => {
    const { credential, registrationChallenge, authenticationChallenge } = await validResponses();
    for (const response of [null, undefined, [], [{}], 42, "{}", true, {}, ONE_MEGABYTE]) {
      await expectClientError(
        () => verifyRegistration({ rp: RP, response, expectedChallenge: registrationChallenge }),
        "webauthn_invalid_response",
      );
      await expectClientError(
        () =>
          verifyAuthentication({
            rp: RP,
            response,
            expectedChallenge: authenticationChallenge,
            credential,
            requireUserVerification: false,
          }),
        "webauthn_invalid_response",
      );
      await expectClientError(() => readAssertionIdentity(response), "webauthn_invalid_response");
    }
  });

  it("refuses a registration with a missing, mistyped, truncated or oversized field", async () => {
    const { registration, registrationChallenge } = await validResponses();
    const r = registration.response;
    const garbageCbor = b64url(new Uint8Array([0xff, 0x00, 0x13]));
    const notAMap = cbor([1, 2, 3]);
    const noAuthData = cbor(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
      ]),
    );
    const withAuthData = (authData: Uint8Array) =>
      cbor(
        new Map<string, unknown>([
          ["fmt", "none"],
          ["attStmt", new Map()],
          ["authData", authData],
        ]),
      );
    const shortAuthData = withAuthData(new Uint8Array(36));
    const noAttestedData = withAuthData(new Uint8Array(37).fill(1, 32, 33)); // UP only
    const authData = Buffer.from(r.authenticatorData ?? "", "base64url");
    // Consistent outer lengths, but the COSE key inside authData is cut short or followed by junk.
    const keyCut = withAuthData(authData.subarray(0, -1));
    const keyJunk = withAuthData(Buffer.concat([authData, Buffer.from([0x00])]));
    const attested = Buffer.from(r.attestationObject, "base64url");
    const trailingByte = b64url(Buffer.concat([attested, Buffer.from([0])]));
    const cases: [string[], unknown][] = [
      [["id"], undefined],
      [["id"], 12345],
      [["id"], ""],
      [["id"], "not base64url!"],
      [["id"], `${registration.id}=`],
      [["id"], ONE_MEGABYTE],
      [["rawId"], undefined],
      [["rawId"], ["x"]],
      [["type"], undefined],
      [["type"], "private-key"],
      [["response"], undefined],
      [["response"], null],
      [["response"], "text"],
      [["response"], [r]],
      [["response", "clientDataJSON"], undefined],
      [["response", "clientDataJSON"], 7],
      [["response", "clientDataJSON"], truncate(r.clientDataJSON, 1)],
      [["response", "clientDataJSON"], truncate(r.clientDataJSON, 3)],
      [["response", "clientDataJSON"], r.clientDataJSON.slice(0, 20)],
      [["response", "clientDataJSON"], ONE_MEGABYTE],
      [["response", "clientDataJSON"], Buffer.from("{}").toString("base64")],
      [["response", "clientDataJSON"], b64url("[1,2]")],
      [["response", "clientDataJSON"], b64url('{"type":"webauthn.create","challenge":1}')],
      [["response", "clientDataJSON"], b64url(new Uint8Array([0xc3, 0x28]))],
      [["response", "clientDataJSON"], b64url(Buffer.from("not json"))],
      [["response", "attestationObject"], undefined],
      [["response", "attestationObject"], { fmt: "none" }],
      [["response", "attestationObject"], truncate(r.attestationObject, 1)],
      [["response", "attestationObject"], truncate(r.attestationObject, 4)],
      [["response", "attestationObject"], truncate(r.attestationObject, 8)],
      [["response", "attestationObject"], truncate(r.attestationObject, 12)],
      [["response", "attestationObject"], r.attestationObject.slice(0, 40)],
      [["response", "attestationObject"], `${r.attestationObject}==`],
      [["response", "attestationObject"], `+${r.attestationObject.slice(1)}`],
      [["response", "attestationObject"], trailingByte],
      [["response", "attestationObject"], garbageCbor],
      [["response", "attestationObject"], notAMap],
      [["response", "attestationObject"], noAuthData],
      [["response", "attestationObject"], shortAuthData],
      [["response", "attestationObject"], noAttestedData],
      [["response", "attestationObject"], keyCut],
      [["response", "attestationObject"], keyJunk],
      [["response", "attestationObject"], ONE_MEGABYTE],
      [["response", "transports"], "usb"],
      [["response", "transports"], [1]],
    ];
    for (const [path, value] of cases) {
      const error = await errorOf(() =>
        verifyRegistration({
          rp: RP,
          response: withField(registration, path, value),
          expectedChallenge: registrationChallenge,
        }),
      );
      const label = `${path.join(".")} = ${JSON.stringify(value)?.slice(0, 60)}`;
      expect(error, label).toBeInstanceOf(ClientError);
      expect((error as ClientError).code, label).toBe("webauthn_invalid_response");
    }
  });

  it("refuses an assertion with a missing, mistyped, truncated or oversized field", async () => {
    const { authentication, authenticationChallenge, credential } = await validResponses();
    const r = authentication.response;
    const cases: [string[], unknown][] = [
      [["id"], undefined],
      [["id"], 7],
      [["id"], { id: "x" }],
      [["id"], "a+b/"],
      [["rawId"], `${authentication.id}x`],
      [["type"], 1],
      [["response"], undefined],
      [["response"], 0],
      [["response", "clientDataJSON"], undefined],
      [["response", "clientDataJSON"], null],
      [["response", "clientDataJSON"], truncate(r.clientDataJSON, 2)],
      [["response", "clientDataJSON"], truncate(r.clientDataJSON, 5)],
      [["response", "clientDataJSON"], ONE_MEGABYTE],
      [["response", "authenticatorData"], undefined],
      [["response", "authenticatorData"], []],
      [["response", "authenticatorData"], truncate(r.authenticatorData, 1)],
      [["response", "authenticatorData"], truncate(r.authenticatorData, 2)],
      [["response", "authenticatorData"], truncate(r.authenticatorData, 4)],
      [["response", "authenticatorData"], `${r.authenticatorData}AAAA`],
      [["response", "authenticatorData"], ONE_MEGABYTE],
      [["response", "signature"], undefined],
      [["response", "signature"], ""],
      [["response", "signature"], 3.5],
      [["response", "signature"], `${r.signature}=`],
      [["response", "userHandle"], 12],
      [["response", "userHandle"], b64url(new Uint8Array(65).fill(97))],
      [["response", "userHandle"], b64url(new Uint8Array([0xff, 0xfe]))],
      [["response", "userHandle"], "*"],
    ];
    for (const [path, value] of cases) {
      const response = withField(authentication, path, value);
      const label = `${path.join(".")} = ${JSON.stringify(value)?.slice(0, 60)}`;
      const error = await errorOf(() =>
        verifyAuthentication({
          rp: RP,
          response,
          expectedChallenge: authenticationChallenge,
          credential,
          requireUserVerification: false,
        }),
      );
      expect(error, label).toBeInstanceOf(ClientError);
      expect((error as ClientError).code, label).toBe("webauthn_invalid_response");
      await expectClientError(() => readAssertionIdentity(response), "webauthn_invalid_response");
    }
  });

  it("rejects arbitrary JSON with a ClientError (property)", async () => {
    const { credential, registrationChallenge, authenticationChallenge } = await validResponses();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const registrationError = await errorOf(() =>
          verifyRegistration({ rp: RP, response: value, expectedChallenge: registrationChallenge }),
        );
        const authenticationError = await errorOf(() =>
          verifyAuthentication({
            rp: RP,
            response: value,
            expectedChallenge: authenticationChallenge,
            credential,
            requireUserVerification: false,
          }),
        );
        expect(registrationError).toBeInstanceOf(ClientError);
        expect(authenticationError).toBeInstanceOf(ClientError);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects credential-shaped JSON mixing genuine and arbitrary fields with a ClientError (property)", async () => {
    const valid = await validResponses();
    const field = (genuine: unknown) =>
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(genuine) },
        { weight: 1, arbitrary: fc.jsonValue() },
        { weight: 1, arbitrary: fc.base64String().map((s) => s.replace(/=+$/, "")) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
    const reg = valid.registration;
    const auth = valid.authentication;
    const registrations = fc.record({
      id: field(reg.id),
      rawId: field(reg.rawId),
      type: field(reg.type),
      response: fc.oneof(
        fc.jsonValue(),
        fc.record({
          clientDataJSON: field(reg.response.clientDataJSON),
          attestationObject: field(reg.response.attestationObject),
          transports: field(reg.response.transports),
        }),
      ),
    });
    const assertions = fc.record({
      id: field(auth.id),
      rawId: field(auth.rawId),
      type: field(auth.type),
      response: fc.oneof(
        fc.jsonValue(),
        fc.record({
          clientDataJSON: field(auth.response.clientDataJSON),
          authenticatorData: field(auth.response.authenticatorData),
          signature: field(auth.response.signature),
          userHandle: field(auth.response.userHandle),
        }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(registrations, async (response) => {
        const error = await errorOf(() =>
          verifyRegistration({ rp: RP, response, expectedChallenge: valid.registrationChallenge }),
        );
        // Only a response whose every checked field is genuine may pass.
        if (error === undefined) {
          expect([response.id, response.rawId, response.type]).toEqual([reg.id, reg.id, reg.type]);
          expect(response.response).toMatchObject({
            clientDataJSON: reg.response.clientDataJSON,
            attestationObject: reg.response.attestationObject,
          });
        } else expect(error).toBeInstanceOf(ClientError);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(assertions, async (response) => {
        const error = await errorOf(() =>
          verifyAuthentication({
            rp: RP,
            response,
            expectedChallenge: valid.authenticationChallenge,
            credential: { ...valid.credential, counter: 0 },
            requireUserVerification: false,
          }),
        );
        if (error === undefined) {
          expect([response.id, response.rawId, response.type]).toEqual([
            auth.id,
            auth.id,
            auth.type,
          ]);
          expect(response.response).toMatchObject({
            clientDataJSON: auth.response.clientDataJSON,
            authenticatorData: auth.response.authenticatorData,
            signature: auth.response.signature,
          });
        } else expect(error).toBeInstanceOf(ClientError);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses an assertion with any single bit flipped in what is signed or the signature (property)", async () => {
    const { authentication, authenticationChallenge, credential } = await validResponses();
    const fields = ["clientDataJSON", "authenticatorData", "signature"] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (name, index, bit) => {
          const bytes = Buffer.from(authentication.response[name], "base64url");
          const at = index % bytes.byteLength;
          bytes[at] = (bytes[at] ?? 0) ^ (1 << bit);
          const response = withField(authentication, ["response", name], b64url(bytes));
          const error = await errorOf(() =>
            verifyAuthentication({
              rp: RP,
              response,
              expectedChallenge: authenticationChallenge,
              credential: { ...credential, counter: 0 },
              requireUserVerification: false,
            }),
          );
          expect(error).toBeInstanceOf(ClientError);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws anything but a ClientError for a registration with bits flipped (property)", async () => {
    const { registration, registrationChallenge } = await validResponses();
    const fields = ["clientDataJSON", "attestationObject"] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (name, index, bit) => {
          const bytes = Buffer.from(registration.response[name], "base64url");
          const at = index % bytes.byteLength;
          bytes[at] = (bytes[at] ?? 0) ^ (1 << bit);
          const response = withField(registration, ["response", name], b64url(bytes));
          const error = await errorOf(() =>
            verifyRegistration({ rp: RP, response, expectedChallenge: registrationChallenge }),
          );
          // A flip in the AAGUID or the counter is not detectable with "none" attestation.
          if (error !== undefined) expect(error).toBeInstanceOf(ClientError);
        },
      ),
      { numRuns: 300 },
    );
  });
});
