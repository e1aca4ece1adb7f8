/**
 * The one parse of an untrusted WebAuthn response per ceremony. Everything a client sends is
 * decoded and type-checked here, before @simplewebauthn/server sees it, so that a malformed
 * response is always `webauthn_invalid_response` and never a `TypeError` from deep inside the
 * library. The caller (a service) parses once, reads what it needs to look things up (the
 * challenge, the credential id, the user handle) and hands the same parsed value to
 * `verifyRegistration` / `verifyAuthentication`, which then do not parse it again.
 */
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { assertSingleCborItem } from "./cbor.js";
import { MAX_USER_HANDLE_BYTES } from "./constants.js";
import { invalidResponse } from "./errors.js";
import {
  parseAuthData,
  parseEnvelope,
  parseTransports,
  readBase64UrlField,
  readClientData,
  strictUtf8,
  type ClientData,
  type ParsedAuthenticatorData,
} from "./fields.js";
import type { AuthenticatorTransport } from "./types.js";

export type { ClientData, ParsedAuthenticatorData };

/**
 * A registration response after shape validation: made only by `parseRegistrationResponse`.
 */
export interface ParsedRegistrationResponse {
  readonly kind: "registration";
  readonly id: string;
  /** The challenge the response answers (`clientData.challenge`), to look the ceremony up. */
  readonly challenge: string;
  readonly clientDataJSON: string;
  readonly clientData: ClientData;
  readonly attestationObject: string;
  readonly authData: ParsedAuthenticatorData;
  /** Attested credential data (§6.5.1); present, or the response was refused. */
  readonly credentialId: Uint8Array;
  readonly credentialPublicKey: Uint8Array;
  readonly transports: AuthenticatorTransport[];
}

/**
 * An authentication response after shape validation: made only by `parseAuthenticationResponse`.
 */
export interface ParsedAuthenticationResponse {
  readonly kind: "authentication";
  /** The credential id the assertion names (base64url), to look the credential up. */
  readonly id: string;
  /** The challenge the response answers (`clientData.challenge`), to look the ceremony up. */
  readonly challenge: string;
  readonly clientDataJSON: string;
  readonly clientData: ClientData;
  readonly authenticatorData: string;
  readonly authData: ParsedAuthenticatorData;
  readonly signature: string;
  /** The raw user handle (base64url) and the user id it encodes; both absent or both set. */
  readonly userHandle: string | undefined;
  readonly userId: string | null;
}

/**
 * The parsed values this module made. A value is trusted as parsed only if it is in here: an
 * object that merely looks parsed (built by a caller) is parsed again like any client JSON.
 */
const madeHere = new WeakSet<object>();

function seal<T extends object>(value: T): T {
  Object.freeze(value);
  madeHere.add(value);
  return value;
}

/** Whether `value` is a parse result of this module. */
function isParsed(
  value: unknown,
): value is ParsedRegistrationResponse | ParsedAuthenticationResponse {
  return typeof value === "object" && value !== null && madeHere.has(value);
}

/**
 * Parses a registration response JSON (§5.1 `RegistrationResponseJSON`, untrusted) once; pass
 * the result to `verifyRegistration`. A value this function returned is returned as it is.
 * Throws `ClientError` `webauthn_invalid_response` when the response is malformed.
 */
export function parseRegistrationResponse(response: unknown): ParsedRegistrationResponse {
  if (isParsed(response) && response.kind === "registration") return response;
  const { id, body } = parseEnvelope(response);
  const { text: clientDataJSON, clientData } = readClientData(body);
  const attestationObject = readBase64UrlField(
    body,
    "attestationObject",
    "response.attestationObject",
  );
  // The attestation object is a CBOR map {fmt: text, attStmt: map, authData: bytes} (§6.5.4),
  // exactly one item with nothing cut short or left over (the library's decoder allows both).
  let decoded: unknown;
  try {
    assertSingleCborItem(attestationObject.bytes);
    decoded = isoCBOR.decodeFirst(new Uint8Array(attestationObject.bytes));
  } catch (error) {
    throw invalidResponse("response.attestationObject is not CBOR", error);
  }
  if (!(decoded instanceof Map)) throw invalidResponse("attestationObject is not a CBOR map");
  const fmt: unknown = decoded.get("fmt");
  const attStmt: unknown = decoded.get("attStmt");
  const authDataBytes: unknown = decoded.get("authData");
  if (typeof fmt !== "string") throw invalidResponse("attestationObject.fmt must be text");
  if (!(attStmt instanceof Map)) throw invalidResponse("attestationObject.attStmt must be a map");
  if (!(authDataBytes instanceof Uint8Array)) {
    throw invalidResponse("attestationObject.authData must be bytes");
  }
  const authData = parseAuthData(authDataBytes, "attestationObject.authData");
  const { credentialID, credentialPublicKey, aaguid } = authData;
  // §7.1 needs attested credential data (AT flag, §6.1) to have a credential at all.
  if (!authData.flags.at || !credentialID || !credentialPublicKey || !aaguid) {
    throw invalidResponse("authData has no attested credential data");
  }
  if (credentialID.byteLength === 0) throw invalidResponse("the credential id is empty");
  let coseKey: unknown;
  try {
    coseKey = isoCBOR.decodeFirst(new Uint8Array(credentialPublicKey));
  } catch (error) {
    throw invalidResponse("the credential public key is not CBOR", error);
  }
  // A COSE_Key (RFC 9052 §7) with integer kty (label 1) and alg (label 3), §6.5.1.1.
  if (
    !(coseKey instanceof Map) ||
    typeof coseKey.get(1) !== "number" ||
    typeof coseKey.get(3) !== "number"
  ) {
    throw invalidResponse("the credential public key is not a COSE_Key with kty and alg");
  }
  return seal({
    kind: "registration",
    id,
    challenge: clientData.challenge,
    clientDataJSON,
    clientData,
    attestationObject: attestationObject.text,
    authData,
    credentialId: credentialID,
    credentialPublicKey,
    transports: parseTransports(body.transports),
  });
}

/**
 * Parses an authentication response JSON (§5.1 `AuthenticationResponseJSON`, untrusted) once;
 * read `id`, `userId` and `challenge` to look the credential and ceremony up, then pass the
 * result to `verifyAuthentication`. A value this function returned is returned as it is.
 * Throws `ClientError` `webauthn_invalid_response` when the response is malformed.
 */
export function parseAuthenticationResponse(response: unknown): ParsedAuthenticationResponse {
  if (isParsed(response) && response.kind === "authentication") return response;
  const { id, body } = parseEnvelope(response);
  const { text: clientDataJSON, clientData } = readClientData(body);
  const authenticatorData = readBase64UrlField(
    body,
    "authenticatorData",
    "response.authenticatorData",
  );
  const authData = parseAuthData(authenticatorData.bytes, "response.authenticatorData");
  const signature = readBase64UrlField(body, "signature", "response.signature");
  // userHandle: absent, null (§5.2.2 "null if empty"), or base64url of 1..64 bytes (§5.4.3).
  let userHandle: string | undefined;
  let userId: string | null = null;
  if (body.userHandle !== undefined && body.userHandle !== null && body.userHandle !== "") {
    const handle = readBase64UrlField(body, "userHandle", "response.userHandle");
    if (handle.bytes.byteLength > MAX_USER_HANDLE_BYTES) {
      throw invalidResponse("response.userHandle is longer than 64 bytes");
    }
    try {
      userId = strictUtf8.decode(handle.bytes);
    } catch (error) {
      throw invalidResponse("response.userHandle is not a Tessera user handle", error);
    }
    userHandle = handle.text;
  }
  return seal({
    kind: "authentication",
    id,
    challenge: clientData.challenge,
    clientDataJSON,
    clientData,
    authenticatorData: authenticatorData.text,
    authData,
    signature: signature.text,
    userHandle,
    userId,
  });
}
