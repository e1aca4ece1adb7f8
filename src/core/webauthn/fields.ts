/**
 * Readers of the fields of an untrusted WebAuthn response (internal; not exported from
 * index.ts): the envelope, base64url fields, clientDataJSON, authenticator data, transports.
 * Each throws `webauthn_invalid_response` for anything not well formed; `response.ts` puts them
 * together into the one parse of a ceremony.
 */
import { parseAuthenticatorData } from "@simplewebauthn/server/helpers";
import {
  MAX_CLIENT_DATA_JSON_LENGTH,
  MAX_CREDENTIAL_ID_BYTES,
  MAX_CREDENTIAL_ID_LENGTH,
} from "../../contract/limits.js";
import { decodeBase64Url } from "../base64url.js";
import { assertAuthenticatorDataStructure } from "./cbor.js";
import { KNOWN_TRANSPORTS, MAX_RESPONSE_FIELD_CHARS } from "./constants.js";
import { isRecord } from "./encoding.js";
import { invalidResponse } from "./errors.js";
import type { AuthenticatorTransport } from "./types.js";

/** Authenticator data as @simplewebauthn/server parses it (§6.1). */
export type ParsedAuthenticatorData = ReturnType<typeof parseAuthenticatorData>;

/** The fields of `CollectedClientData` we read (§5.8.1). */
export interface ClientData {
  readonly type: string;
  readonly challenge: string;
  readonly origin: string;
  readonly crossOrigin: boolean | undefined;
  readonly topOrigin: string | undefined;
}

/** Reads a required base64url string field of at most `maxChars` characters. */
export function readBase64UrlField(
  record: Record<string, unknown>,
  key: string,
  path: string,
  maxChars = MAX_RESPONSE_FIELD_CHARS,
): { text: string; bytes: Uint8Array } {
  const text = record[key];
  if (typeof text !== "string") throw invalidResponse(`${path} must be a string`);
  if (text.length === 0) throw invalidResponse(`${path} is empty`);
  if (text.length > maxChars) throw invalidResponse(`${path} is too long`);
  const bytes = decodeBase64Url(text);
  if (bytes === null) throw invalidResponse(`${path} is not unpadded base64url`);
  return { text, bytes };
}

export const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses `clientDataJSON` bytes into the `CollectedClientData` fields we check (§5.8.1). */
function parseClientData(bytes: Uint8Array): ClientData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(bytes));
  } catch (error) {
    throw invalidResponse("response.clientDataJSON is not UTF-8 JSON", error);
  }
  if (!isRecord(parsed)) throw invalidResponse("clientDataJSON is not a JSON object");
  const { type, challenge, origin, crossOrigin, topOrigin } = parsed;
  if (typeof type !== "string") throw invalidResponse("clientDataJSON.type must be a string");
  if (typeof challenge !== "string" || challenge === "") {
    throw invalidResponse("clientDataJSON.challenge must be a non-empty string");
  }
  if (typeof origin !== "string") throw invalidResponse("clientDataJSON.origin must be a string");
  if (crossOrigin !== undefined && typeof crossOrigin !== "boolean") {
    throw invalidResponse("clientDataJSON.crossOrigin must be a boolean");
  }
  if (topOrigin !== undefined && typeof topOrigin !== "string") {
    throw invalidResponse("clientDataJSON.topOrigin must be a string");
  }
  if (parsed.tokenBinding !== undefined && !isRecord(parsed.tokenBinding)) {
    throw invalidResponse("clientDataJSON.tokenBinding must be an object");
  }
  return { type, challenge, origin, crossOrigin, topOrigin };
}

export function parseAuthData(bytes: Uint8Array, path: string): ParsedAuthenticatorData {
  try {
    // A COSE key or extensions cut short would otherwise parse (see cbor.ts).
    assertAuthenticatorDataStructure(bytes);
    // parseAuthenticatorData reads attested credential data and extensions as CBOR (§6.1).
    return parseAuthenticatorData(new Uint8Array(bytes));
  } catch (error) {
    throw invalidResponse(`${path} is not valid authenticator data`, error);
  }
}

/** The envelope common to both responses (§5.1 `RegistrationResponseJSON` and friends). */
export function parseEnvelope(response: unknown): { id: string; body: Record<string, unknown> } {
  if (!isRecord(response)) throw invalidResponse("the response must be a JSON object");
  const { id, rawId, type, response: body } = response;
  if (typeof id !== "string") throw invalidResponse("id must be a string");
  if (id.length === 0) throw invalidResponse("id is empty");
  // A credential id is at most 1023 bytes (§7.1 step 25), so at most 1364 base64url chars.
  if (id.length > MAX_CREDENTIAL_ID_LENGTH) {
    throw invalidResponse(`id is longer than ${MAX_CREDENTIAL_ID_BYTES} bytes`);
  }
  if (decodeBase64Url(id) === null) throw invalidResponse("id is not unpadded base64url");
  if (rawId !== id) throw invalidResponse("rawId must equal id");
  if (type !== "public-key") throw invalidResponse('type must be "public-key"');
  if (!isRecord(body)) throw invalidResponse("response must be a JSON object");
  return { id, body };
}

/** Reads the optional `transports` list; keeps known values, once each (§5.8.4). */
export function parseTransports(value: unknown): AuthenticatorTransport[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidResponse("response.transports must be an array");
  const known: readonly string[] = KNOWN_TRANSPORTS;
  const kept = new Set<AuthenticatorTransport>();
  for (const item of value) {
    if (typeof item !== "string") throw invalidResponse("response.transports must be strings");
    if (known.includes(item)) kept.add(item as AuthenticatorTransport);
  }
  return [...kept];
}

/** Reads and parses `response.clientDataJSON` (§5.8.1), at most `MAX_CLIENT_DATA_JSON_LENGTH`. */
export function readClientData(body: Record<string, unknown>): {
  text: string;
  clientData: ClientData;
} {
  const field = readBase64UrlField(
    body,
    "clientDataJSON",
    "response.clientDataJSON",
    MAX_CLIENT_DATA_JSON_LENGTH,
  );
  return { text: field.text, clientData: parseClientData(field.bytes) };
}
