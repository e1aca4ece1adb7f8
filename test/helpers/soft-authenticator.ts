/**
 * A software WebAuthn authenticator and client for tests: it answers registration and
 * authentication options with the JSON a browser would send, made with real keys
 * (node:crypto; P-256/ES256 by default, Ed25519/EdDSA and RSA/RS256 on request), so every
 * relying-party check can be tested without a browser.
 * Flags, counters, RP ID, challenge, type and origin can all be chosen per call.
 *
 * Formats: authenticator data W3C WebAuthn Level 3 §6.1 (rpIdHash 32 | flags 1 | signCount 4
 * big-endian | attested credential data §6.5.1: AAGUID 16 | credentialIdLength 2 | id | COSE
 * key), "none" attestation §8.7, client data §5.8.1, assertion signature §6.3.3 step 11 over
 * authenticatorData || SHA-256(clientDataJSON), ECDSA DER-encoded (§6.5.5), RSASSA-PKCS1-v1_5
 * for RS256, Ed25519 for EdDSA.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "../../src/core/webauthn/index.js";

/** Key types the authenticator can make (COSE algorithms, §5.8.5). */
export type SoftKeyAlgorithm = "ES256" | "EdDSA" | "RS256";

const COSE_ALGORITHMS: Record<SoftKeyAlgorithm, number> = { ES256: -7, EdDSA: -8, RS256: -257 };

/** Authenticator data flags (§6.1). Defaults: UP and UV set, BE and BS clear. */
export interface SoftFlags {
  up?: boolean;
  uv?: boolean;
  be?: boolean;
  bs?: boolean;
}

/** What the client and authenticator put in a response; each field overrides the honest value. */
export interface ClientOverrides {
  /** The origin the "browser" reports in clientDataJSON. */
  origin: string;
  flags?: SoftFlags;
  /** Signature counter to report (and keep). */
  counter?: number;
  /** RP ID whose SHA-256 goes in authenticator data instead of the real one. */
  rpId?: string;
  /** Challenge reported in clientDataJSON instead of the options' one. */
  challenge?: string;
  /** clientDataJSON.type instead of "webauthn.create" / "webauthn.get". */
  type?: string;
  crossOrigin?: boolean;
  topOrigin?: string;
}

/** Choices for `createAttestation`, on top of `ClientOverrides`. */
export interface AttestationOverrides extends ClientOverrides {
  /** Store the user handle (a passkey). Default: unless residentKey is "discouraged". */
  discoverable?: boolean;
  /** Length of the random credential id. Default 32. */
  credentialIdBytes?: number;
  /** Key type of the new credential. Default "ES256" (P-256). */
  keyAlgorithm?: SoftKeyAlgorithm;
  /** The `alg` the COSE key claims instead of the key's own. */
  coseAlg?: number;
  /** Raw COSE key bytes to attest instead of the real key. */
  coseKey?: Uint8Array;
  /** Create even when a held credential is in excludeCredentials (a browser would refuse). */
  ignoreExcludeCredentials?: boolean;
  /** Reported transports. Default ["internal"]. */
  transports?: string[];
}

/** Choices for `createAssertion`, on top of `ClientOverrides`. */
export interface AssertionOverrides extends ClientOverrides {
  /** Use this credential (base64url id) instead of choosing from allowCredentials. */
  credentialId?: string;
  /** Sign with this key instead of the credential's. */
  signingKey?: KeyObject;
  /** userHandle to report (base64url), or null for none. Default: the stored one. */
  userHandle?: string | null;
}

/** A credential the authenticator holds. */
export interface SoftCredential {
  readonly id: string;
  readonly rpId: string;
  /** base64url user handle, or null for a non-discoverable credential. */
  readonly userHandle: string | null;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  counter: number;
}

type CborValue = Parameters<typeof isoCBOR.encode>[0];

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string): Buffer => createHash("sha256").update(data).digest();

function flagsByte(flags: SoftFlags | undefined, defaults: Required<SoftFlags>): number {
  const f = { ...defaults, ...flags };
  return (f.up ? FLAG_UP : 0) | (f.uv ? FLAG_UV : 0) | (f.be ? FLAG_BE : 0) | (f.bs ? FLAG_BS : 0);
}

function counterBytes(counter: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(counter);
  return buffer;
}

function clientDataJSON(defaultType: string, challenge: string, o: ClientOverrides): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: o.type ?? defaultType,
      challenge: o.challenge ?? challenge,
      origin: o.origin,
      crossOrigin: o.crossOrigin ?? false,
      ...(o.topOrigin === undefined ? {} : { topOrigin: o.topOrigin }),
    }),
  );
}

/** The COSE_Key of a P-256 public key (RFC 9053 §7.1.1; WebAuthn §6.5.1.1 example). */
export function coseEc2Key(publicKey: KeyObject, alg = COSE_ALGORITHMS.ES256): Uint8Array {
  const jwk = publicKey.export({ format: "jwk" });
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, alg],
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x ?? "", "base64url")],
      [-3, Buffer.from(jwk.y ?? "", "base64url")],
    ]),
  );
}

/** The COSE_Key of any key this authenticator makes (RFC 9053 §7.1-7.2, RFC 8230 §4). */
export function coseKey(publicKey: KeyObject, alg: number): Uint8Array {
  const jwk = publicKey.export({ format: "jwk" });
  const bytes = (value: string | undefined) => Buffer.from(value ?? "", "base64url");
  if (jwk.kty === "EC") return coseEc2Key(publicKey, alg);
  if (jwk.kty === "OKP") {
    // kty OKP (1), crv Ed25519 (6), x
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 1],
        [3, alg],
        [-1, 6],
        [-2, bytes(jwk.x)],
      ]),
    );
  }
  // kty RSA (3), n, e
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 3],
      [3, alg],
      [-1, bytes(jwk.n)],
      [-2, bytes(jwk.e)],
    ]),
  );
}

function generateKey(algorithm: SoftKeyAlgorithm) {
  if (algorithm === "EdDSA") return generateKeyPairSync("ed25519");
  if (algorithm === "RS256") return generateKeyPairSync("rsa", { modulusLength: 2048 });
  return generateKeyPairSync("ec", { namedCurve: "P-256" });
}

/** A software authenticator holding P-256 credentials. */
export class SoftAuthenticator {
  readonly #credentials = new Map<string, SoftCredential>();
  readonly aaguid: Uint8Array;

  constructor(options: { aaguid?: Uint8Array } = {}) {
    this.aaguid = options.aaguid ?? new Uint8Array(16); // "none" attestation: zeros (§8.7)
  }

  /** The credentials held, oldest first. */
  get credentials(): readonly SoftCredential[] {
    return [...this.#credentials.values()];
  }

  /** The credential with this base64url id; throws if it is not held. */
  credential(id: string): SoftCredential {
    const found = this.#credentials.get(id);
    if (!found) throw new Error(`SoftAuthenticator holds no credential ${id}`);
    return found;
  }

  /** Answers `navigator.credentials.create()`: a new credential and its "none" attestation. */
  createAttestation(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides: AttestationOverrides,
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(overrides.origin).hostname;
    if (!overrides.ignoreExcludeCredentials) {
      for (const excluded of options.excludeCredentials ?? []) {
        const held = this.#credentials.get(excluded.id);
        if (held && held.rpId === rpId) throw new Error("InvalidStateError: credential excluded");
      }
    }
    const keyAlgorithm = overrides.keyAlgorithm ?? "ES256";
    const alg = overrides.coseAlg ?? COSE_ALGORITHMS[keyAlgorithm];
    if (overrides.coseAlg === undefined && !options.pubKeyCredParams.some((p) => p.alg === alg)) {
      throw new Error(`NotSupportedError: ${keyAlgorithm} not offered`);
    }
    const discoverable =
      overrides.discoverable ?? options.authenticatorSelection?.residentKey !== "discouraged";
    const { privateKey, publicKey } = generateKey(keyAlgorithm);
    const idBytes = randomBytes(overrides.credentialIdBytes ?? 32);
    const id = b64url(idBytes);
    const counter = overrides.counter ?? 0;
    const defaults = { up: true, uv: true, be: false, bs: false };
    const flags = flagsByte(overrides.flags, defaults) | FLAG_AT;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(idBytes.byteLength);
    const authData = Buffer.concat([
      sha256(overrides.rpId ?? rpId),
      Buffer.from([flags]),
      counterBytes(counter),
      this.aaguid,
      idLength,
      idBytes,
      overrides.coseKey ?? coseKey(publicKey, alg),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, CborValue>([
        ["fmt", "none"],
        ["attStmt", new Map<string, CborValue>()],
        ["authData", authData],
      ]),
    );
    const clientData = clientDataJSON("webauthn.create", options.challenge, overrides);
    this.#credentials.set(id, {
      id,
      rpId,
      userHandle: discoverable ? options.user.id : null,
      privateKey,
      publicKey,
      backupEligible: overrides.flags?.be ?? false,
      backedUp: overrides.flags?.bs ?? false,
      counter,
    });
    return {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientData),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: overrides.transports ?? ["internal"],
        publicKeyAlgorithm: alg,
        publicKey: b64url(publicKey.export({ format: "der", type: "spki" })),
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: { credProps: { rk: discoverable } },
    };
  }

  /** Answers `navigator.credentials.get()`: an assertion signed with the credential's key. */
  createAssertion(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: AssertionOverrides,
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(overrides.origin).hostname;
    const credential = this.#choose(options, rpId, overrides.credentialId);
    const counter = overrides.counter ?? credential.counter + 1;
    credential.counter = counter;
    const defaults = {
      up: true,
      uv: true,
      be: credential.backupEligible,
      bs: credential.backedUp,
    };
    const authData = Buffer.concat([
      sha256(overrides.rpId ?? rpId),
      Buffer.from([flagsByte(overrides.flags, defaults)]),
      counterBytes(counter),
    ]);
    const clientData = clientDataJSON("webauthn.get", options.challenge, overrides);
    const key = overrides.signingKey ?? credential.privateKey;
    // EdDSA hashes internally (RFC 8032); ES256 and RS256 sign a SHA-256 digest.
    const digest = key.asymmetricKeyType === "ed25519" ? null : "sha256";
    const signature = sign(digest, Buffer.concat([authData, sha256(clientData)]), key);
    const userHandle =
      overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    return {
      id: credential.id,
      rawId: credential.id,
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }

  #choose(
    options: PublicKeyCredentialRequestOptionsJSON,
    rpId: string,
    credentialId: string | undefined,
  ): SoftCredential {
    if (credentialId !== undefined) return this.credential(credentialId);
    const allowed = options.allowCredentials ?? [];
    for (const credential of this.#credentials.values()) {
      if (credential.rpId !== rpId) continue;
      if (
        allowed.length > 0 ? allowed.some((a) => a.id === credential.id) : credential.userHandle
      ) {
        return credential;
      }
    }
    throw new Error("NotAllowedError: no matching credential");
  }
}
