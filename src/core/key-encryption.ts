/**
 * Private keys at rest: AES-256-GCM (NIST SP 800-38D) under a key derived with HKDF-SHA256
 * (RFC 5869) from an operator's secret, a fresh 96-bit nonce per seal, and the key id as
 * associated data, so a sealed key moved to another row does not open.
 * Layout (base64url): version byte 1 | 12-byte nonce | 16-byte tag | ciphertext.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { MIN_SECRET_BYTES, isSecretLongEnough } from "./secret.js";

const VERSION = 1;
const NONCE_BYTES = 12; // SP 800-38D §8.2: 96-bit IVs
const TAG_BYTES = 16;
const INFO = "tessera signing keys v1";

/** Derives the sealing key from a secret of at least MIN_SECRET_BYTES (32). @throws TypeError when shorter. */
export function deriveKeyEncryptionKey(secret: string): Buffer {
  if (!isSecretLongEnough(secret)) {
    throw new TypeError(`The key encryption secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.alloc(0), INFO, 32));
}

/** Seals `plaintext` bound to `associated` (the kid). */
export function sealPrivateKey(key: Buffer, plaintext: Buffer, associated: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(associated, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), nonce, cipher.getAuthTag(), ciphertext]).toString(
    "base64url",
  );
}

/** Opens what `sealPrivateKey` sealed. @throws Error when the key, the kid or a byte is wrong. */
export function openPrivateKey(key: Buffer, sealed: string, associated: string): Buffer {
  const bytes = Buffer.from(sealed, "base64url");
  if (bytes.length <= 1 + NONCE_BYTES + TAG_BYTES || bytes[0] !== VERSION) {
    throw new Error("Sealed key is malformed");
  }
  const nonce = bytes.subarray(1, 1 + NONCE_BYTES);
  const tag = bytes.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAAD(Buffer.from(associated, "utf8"));
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(bytes.subarray(1 + NONCE_BYTES + TAG_BYTES)),
    decipher.final(),
  ]);
}
