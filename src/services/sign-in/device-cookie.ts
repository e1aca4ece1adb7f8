/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"; issue 14
 * item 2): after a successful sign-in the browser gets a signed token naming the user and a
 * random device id. A later sign-in to that same account presenting it is held only to that
 * device's own failure counter, so an attacker who trips the account's ceiling from elsewhere
 * cannot lock the account's owner out of a browser they used before.
 *
 * Format: `<user id, base64url>.<device id>.<HMAC-SHA256, base64url>`, the MAC over
 * `tessera-device-v1|<user id>|<device id>` under a key derived from the JWT signing secret
 * (every verifying secret is tried, so rotation keeps trusted browsers trusted).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { encodeBase64Url, isCanonicalBase64Url } from "../../core/base64url.js";
import { isAsymmetricJwtKey, type JwtKey, type JwtKeyRing } from "../../core/jwt/index.js";

/** The cookie's name. */
export const DEVICE_COOKIE = "tessera_device";
/** How long a browser stays trusted without signing in again (OWASP leaves it to the site). */
export const DEFAULT_DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 24 * 60 * 60;
/** 128 random bits per device: not guessable, like a session secret (NIST SP 800-63B §7.1). */
const DEVICE_ID_BYTES = 16;
const LABEL = "tessera-device-v1";

function mac(secret: string, userId: string, deviceId: string): Buffer {
  // A key of its own, so a device MAC can never be taken for a JWT signature or the reverse.
  const key = createHmac("sha256", secret).update(LABEL).digest();
  return createHmac("sha256", key).update(`${LABEL}|${userId}|${deviceId}`).digest();
}

/**
 * The HMAC secrets of a ring, the signing one first. With EdDSA or ES256 the ring still holds
 * the configured HS256 secret(s) (they keep verifying older sessions), and they key the devices.
 */
function hmacKeys(keys: JwtKeyRing): JwtKey[] {
  return [keys.signing, ...keys.verifying].filter((key): key is JwtKey => !isAsymmetricJwtKey(key));
}

// HMAC-SHA256 is 32 bytes: 43 base64url characters, the last carrying 4 data bits and 2 zero bits.
const MAC_CHARS = 43;

/** A new device token for `userId`, signed with the ring's (first) HMAC secret. */
export function issueDeviceToken(keys: JwtKeyRing, userId: string): string {
  const deviceId = randomBytes(DEVICE_ID_BYTES).toString("base64url");
  const key = hmacKeys(keys)[0];
  if (key === undefined) throw new TypeError("Device cookies need the configured HS256 secret");
  const signature = encodeBase64Url(mac(key.secret, userId, deviceId));
  return `${encodeBase64Url(userId)}.${deviceId}.${signature}`;
}

/**
 * The device id of `token` when it is a valid device token for `userId`, else null (absent,
 * malformed, forged, or another user's). Constant-time compare of the MAC.
 */
export function verifyDeviceToken(
  keys: JwtKeyRing,
  token: string | null | undefined,
  userId: string,
): string | null {
  if (typeof token !== "string" || token.length > 512) return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [encodedUser, deviceId, signature] = parts as [string, string, string];
  // Canonical encodings only: a second spelling of the same bytes (RFC 4648 §3.5, the last
  // character's unused bits) would be a second valid cookie.
  if (encodedUser !== encodeBase64Url(userId)) return null;
  if (!/^[A-Za-z0-9_-]{22}$/.test(deviceId)) return null;
  if (signature.length !== MAC_CHARS || !isCanonicalBase64Url(signature)) return null;
  const given = Buffer.from(signature, "base64url");
  for (const key of hmacKeys(keys)) {
    const expected = mac(key.secret, userId, deviceId);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return deviceId;
  }
  return null;
}
