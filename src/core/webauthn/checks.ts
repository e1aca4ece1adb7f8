/**
 * Checks and misuse guards shared by both ceremonies (internal; not exported from index.ts).
 * They take parsed fields of `fields.ts` (type-only import: the parse never imports
 * the checks).
 */
import { decodeBase64Url } from "../base64url.js";
import { DEFAULT_CHALLENGE_TIMEOUT_MS, KNOWN_TRANSPORTS } from "./constants.js";
import { verificationFailed } from "./errors.js";
import type { ClientData, ParsedAuthenticatorData } from "./fields.js";
import type { CredentialDescriptor, RelyingParty } from "./types.js";

/** Misuse guard: the relying party must be configured. Throws `TypeError`. */
export function assertRelyingParty(rp: RelyingParty): void {
  if (typeof rp?.id !== "string" || rp.id === "") throw new TypeError("rp.id must be set");
  if (typeof rp.name !== "string") throw new TypeError("rp.name must be a string");
  if (!Array.isArray(rp.origins) || rp.origins.length === 0) {
    throw new TypeError("rp.origins must list at least one origin");
  }
  for (const origin of rp.origins) {
    if (typeof origin !== "string" || origin === "") {
      throw new TypeError("rp.origins must be non-empty strings");
    }
  }
}

/**
 * Refuses responses made inside a cross-origin iframe: Tessera does not expect to be embedded
 * (§7.1 steps 10–11, §7.2 steps 13–14: crossOrigin true is acceptable only if the RP expects it).
 */
export function checkNotCrossOrigin(clientData: ClientData): void {
  if (clientData.crossOrigin === true) throw verificationFailed("crossOrigin is true");
  if (clientData.topOrigin !== undefined) throw verificationFailed("topOrigin is present");
}

/** A credential that is not backup eligible cannot be backed up (§7.1 step 17, §7.2 step 18). */
export function checkBackupFlags(authData: ParsedAuthenticatorData): void {
  if (!authData.flags.be && authData.flags.bs) {
    throw verificationFailed("BS flag set without BE flag");
  }
}

/** Misuse guard for stored credential ids. Throws `TypeError`. */
export function assertCredentialId(id: string, what: string): void {
  if (typeof id !== "string" || id === "" || decodeBase64Url(id.replace(/=+$/, "")) === null) {
    throw new TypeError(`${what} must be a base64url credential id`);
  }
}

/** Whether two byte strings are equal (constant time for equal lengths). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** A stored descriptor as the library takes it: known transports only. Throws `TypeError`. */
export function toDescriptor(credential: CredentialDescriptor, what: string) {
  assertCredentialId(credential.id, what);
  const known: readonly string[] = KNOWN_TRANSPORTS;
  const transports = credential.transports?.filter((t) => known.includes(t));
  return transports === undefined ? { id: credential.id } : { id: credential.id, transports };
}

/** Misuse guard for a ceremony timeout. Throws `TypeError`. */
export function resolveTimeoutMs(timeoutMs: number | undefined): number {
  const value = timeoutMs ?? DEFAULT_CHALLENGE_TIMEOUT_MS;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError("timeoutMs must be a positive integer");
  }
  return value;
}
