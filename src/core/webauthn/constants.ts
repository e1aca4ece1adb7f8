/**
 * WebAuthn defaults and limits. Section numbers are from W3C Web Authentication Level 3
 * (https://www.w3.org/TR/webauthn-3/); "§7.1 step N" means the numbered step of that
 * procedure in Level 3.
 */

/**
 * How long a ceremony may take, and so how long the caller keeps its challenge: 5 minutes
 * (the passkeys issue; §15.1 recommends 300 000–600 000 ms, default 300 000 ms when user
 * verification is required or preferred).
 */
export const DEFAULT_CHALLENGE_TIMEOUT_MS = 5 * 60_000;

/**
 * Random bytes in each challenge: 32. §13.4.3 asks for at least 16; NIST SP 800-63B-4
 * §3.1.6.2 for at least 64 bits. 32 is what @simplewebauthn/server uses too.
 */
export const CHALLENGE_BYTES = 32;

/** COSE algorithm ES256: ECDSA with P-256 and SHA-256 (IANA COSE Algorithms; §5.8.5). */
export const COSE_ALG_ES256 = -7;
/** COSE algorithm EdDSA, with Ed25519 keys (IANA COSE Algorithms; §5.8.5). */
export const COSE_ALG_EDDSA = -8;
/** COSE algorithm RS256: RSASSA-PKCS1-v1_5 with SHA-256 (IANA COSE Algorithms; §5.8.5). */
export const COSE_ALG_RS256 = -257;

/**
 * The public key algorithms offered in `pubKeyCredParams` and accepted at registration, most
 * preferred first: ES256, EdDSA, RS256 (§5.4 `pubKeyCredParams`; §7.1 step 20 refuses any
 * other `alg`). ES256 and RS256 cover nearly every authenticator in use (§5.8.5 note).
 */
export const SUPPORTED_ALGORITHM_IDS: readonly number[] = Object.freeze([
  COSE_ALG_ES256,
  COSE_ALG_EDDSA,
  COSE_ALG_RS256,
]);

/** Bytes of a P-256 coordinate or scalar (SEC 2 §2.4.2: 256-bit field and group order). */
export const P256_SCALAR_BYTES = 32;

/** Longest credential id accepted: 1023 bytes (§7.1 step 25; §6.5.1 credentialIdLength). */
export { MAX_CREDENTIAL_ID_BYTES } from "../../contract/limits.js";

/** Longest user handle: 64 bytes (§5.4.3 `PublicKeyCredentialUserEntity.id`). */
export const MAX_USER_HANDLE_BYTES = 64;

/**
 * Longest base64url field of a response we decode, in characters: 64 KiB. Policy, not spec:
 * it bounds the work done on untrusted input before any check. Real responses are well under
 * 4 KiB; only attestation certificate chains come near 10 KiB.
 */
export const MAX_RESPONSE_FIELD_CHARS = 64 * 1024;

/**
 * Longest `clientDataJSON` accepted, in base64url characters: 4096 (3072 bytes of JSON), the
 * wire contract's limit. Tighter than MAX_RESPONSE_FIELD_CHARS: it is decoded and parsed as
 * JSON before any check, and a real one is a few hundred bytes (§5.8.1).
 */
export { MAX_CLIENT_DATA_JSON_LENGTH } from "../../contract/limits.js";

/**
 * The transports a client may report (§5.8.4 `AuthenticatorTransport`). Unknown values are
 * dropped: "Relying Parties ... MUST ignore unknown values" is the client's rule, and storing
 * only known ones bounds what a client can write to the database.
 */
export const KNOWN_TRANSPORTS = Object.freeze([
  "ble",
  "cable",
  "hybrid",
  "internal",
  "nfc",
  "smart-card",
  "usb",
] as const);

/** Authenticator data flag AT, bit 6: attested credential data included (§6.1). */
export const FLAG_AT = 1 << 6;
/** Authenticator data flag ED, bit 7: extension data included (§6.1). */
export const FLAG_ED = 1 << 7;
