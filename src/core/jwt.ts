/**
 * Session tokens: HS256 JWTs byte-compatible with the seed's PyJWT calls
 * (`jwt.encode(payload, secret, algorithm="HS256")`, `jwt.decode(token, secret, algorithms=["HS256"])`).
 *
 * The algorithm is fixed here, never read from the token (RFC 8725 §3.1); `exp` is required;
 * claims of the wrong type make the token invalid. A key ring lets the secret rotate: the
 * signing key's `kid` goes in the header and older keys still verify.
 *
 * A ring may also hold asymmetric keys (EdDSA with Ed25519, RFC 8037; ES256 with P-256, RFC 7518
 * §3.4) whose public halves other services verify with. Every key carries its own algorithm: a
 * token is checked only by the key its `kid` names, and only when its header's `alg` is that
 * key's (so `alg: HS256` with a public key as the HMAC secret, or `alg` swapped, finds no key). Signers (`fast-jwt`) and
 * verifiers (node:crypto HMAC) are made once per ring and cached: verification runs on every request.
 */
import {
  createHash,
  createHmac,
  sign as signBytes,
  timingSafeEqual,
  verify as verifyBytes,
  type KeyObject,
} from "node:crypto";
import { createSigner } from "fast-jwt";
import { encodeBase64Url, isCanonicalBase64Url } from "./base64url.js";
import { systemClock, type Clock } from "./clock.js";
import { MAX_TOKEN_LENGTH } from "../contract/limits.js";
import { MIN_SECRET_BYTES, isSecretLongEnough } from "./secret.js";
import type { JwtUser } from "./types.js";

/** The only accepted algorithm (seed: `algorithm="HS256"`). */
export const JWT_ALGORITHM = "HS256";
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits). */
export const MIN_JWT_SECRET_BYTES = MIN_SECRET_BYTES;
/**
 * Longer tokens are refused before parsing (a session token is about 300 characters): 8 KiB,
 * the wire contract's MAX_TOKEN_LENGTH.
 */
export const MAX_JWT_LENGTH = MAX_TOKEN_LENGTH;
/** Clock skew allowed for `iat`/`nbf` in the future, between instances (RFC 7519 §4.1.5 "small leeway"). `exp` gets none, like PyJWT's default `leeway=0`. */
export const DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS = 60;

/** One HMAC key and its key id. */
export interface JwtKey {
  kid: string;
  secret: string;
}

/** The asymmetric algorithms a ring may hold (RFC 8037 §3.1; RFC 7518 §3.4). */
export type AsymmetricJwtAlgorithm = "EdDSA" | "ES256";
/** Every signing algorithm Tessera knows. */
export type JwtAlgorithm = typeof JWT_ALGORITHM | AsymmetricJwtAlgorithm;
/** The algorithms in the order the configuration names them. */
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = Object.freeze(["HS256", "EdDSA", "ES256"]);

/**
 * An Ed25519 (EdDSA) or P-256 (ES256) key: the public half verifies, the private half (when
 * present) signs.
 */
export interface AsymmetricJwtKey {
  kid: string;
  algorithm: AsymmetricJwtAlgorithm;
  publicKey: KeyObject;
  privateKey?: KeyObject;
}

/** Any key of a ring. */
export type AnyJwtKey = JwtKey | AsymmetricJwtKey;

/** Whether a ring key is asymmetric. */
export function isAsymmetricJwtKey(key: AnyJwtKey): key is AsymmetricJwtKey {
  return "algorithm" in key;
}

/** The key that signs and every key that still verifies (the signing key first). */
export interface JwtKeyRing {
  readonly signing: AnyJwtKey;
  readonly verifying: readonly AnyJwtKey[];
}

/** Where the keys come from and what time it is. */
export interface JwtOptions {
  /** One secret (at least 32 UTF-8 bytes). */
  secret?: string;
  /** A key ring from createJwtKeyRing; takes the place of `secret`. */
  keys?: JwtKeyRing;
  /** Milliseconds since the epoch; default: systemClock. */
  clock?: Clock;
}

/** Who a new token is for; `tokenVersion` becomes the `ver` claim. */
export interface JwtSubject {
  id: string;
  name: string;
  email: string;
  tokenVersion?: number;
}

/** A verified token: its user and the claims the services need. */
export interface VerifiedJwt {
  user: JwtUser;
  /** The `ver` claim; 0 for tokens without it (the seed's). */
  tokenVersion: number;
  issuedAtSeconds: number | null;
  expiresAtSeconds: number;
}

const KID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;
// The signature must be the canonical base64url encoding of 32 bytes: 43 characters whose last
// one carries 4 data bits and 2 zero bits (RFC 4648 §3.5). Base64 decoders ignore those 2 bits,
// so without the canonical check (isCanonicalBase64Url) 4 different last characters would give
// the same valid signature. (The verifier also refuses any character outside the base64url
// alphabet and any segment count other than 3: COMPACT_HS256.)
const SIGNATURE_CHARS = 43;
/** Base64url length of a 64-byte EdDSA or ES256 signature. */
const ASYMMETRIC_SIGNATURE_CHARS = 86;
/** Verified claims kept per ring (at most), so a session's repeated requests skip the HMAC. */
export const VERIFIED_JWT_CACHE_SIZE = 10_000;

/**
 * A bounded map in two generations: when the young one is full it becomes the old one and the
 * previous old one is dropped. O(1) per operation (evicting the first key of one big Map one at
 * a time walks over its deleted entries).
 */
class TwoGenerationCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  constructor(private readonly generationSize: number) {}
  get(key: string): V | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }
  set(key: string, value: V): void {
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}
const ALLOWED_HEADER_MEMBERS = new Set(["alg", "typ", "kid"]);

function base64UrlJson(value: unknown): string {
  return encodeBase64Url(JSON.stringify(value));
}

/** `{"alg":"HS256","typ":"JWT"}`: the header PyJWT writes, without a kid. */
const KIDLESS_HEADER_SEGMENT = base64UrlJson({ alg: JWT_ALGORITHM, typ: "JWT" });

function checkSecret(secret: unknown): string {
  if (typeof secret !== "string") throw new TypeError("JWT secret must be a string");
  if (!isSecretLongEnough(secret)) {
    throw new TypeError(
      `JWT secret must be at least ${MIN_JWT_SECRET_BYTES} bytes (UTF-8), got ${Buffer.byteLength(secret, "utf8")}; e.g. \`openssl rand -base64 48\``,
    );
  }
  return secret;
}

/** The kid of a bare secret: the first 8 base64url characters of SHA-256(secret). */
export function jwtKeyId(secret: string): string {
  return createHash("sha256").update(checkSecret(secret), "utf8").digest("base64url").slice(0, 8);
}

function toKey(key: string | AnyJwtKey): AnyJwtKey {
  if (typeof key === "string") return Object.freeze({ kid: jwtKeyId(key), secret: key });
  if (typeof key !== "object" || key === null)
    throw new TypeError("JWT key must be a string, { kid, secret } or an asymmetric key");
  if (typeof key.kid !== "string" || !KID_PATTERN.test(key.kid)) {
    throw new TypeError("JWT key id must be 1-128 characters of [A-Za-z0-9._~-]");
  }
  if (isAsymmetricJwtKey(key)) return checkAsymmetricKey(key);
  return Object.freeze({ kid: key.kid, secret: checkSecret(key.secret) });
}

/** The key type each asymmetric algorithm needs (RFC 8037 §3.1: Ed25519; RFC 7518 §3.4: P-256). */
function checkAsymmetricKey(key: AsymmetricJwtKey): AsymmetricJwtKey {
  const { algorithm, publicKey, privateKey } = key;
  if (algorithm !== "EdDSA" && algorithm !== "ES256") {
    throw new TypeError(`Unsupported JWT algorithm ${String(algorithm)}`);
  }
  const fits = (k: KeyObject, type: "public" | "private") =>
    typeof k === "object" &&
    k !== null &&
    k.type === type &&
    (algorithm === "EdDSA"
      ? k.asymmetricKeyType === "ed25519"
      : k.asymmetricKeyType === "ec" && k.asymmetricKeyDetails?.namedCurve === "prime256v1");
  if (!fits(publicKey, "public")) {
    throw new TypeError(
      `${algorithm} needs an ${algorithm === "EdDSA" ? "Ed25519" : "EC P-256"} public key`,
    );
  }
  if (privateKey !== undefined && !fits(privateKey, "private")) {
    throw new TypeError(
      `${algorithm} needs an ${algorithm === "EdDSA" ? "Ed25519" : "EC P-256"} private key`,
    );
  }
  return Object.freeze({
    kid: key.kid,
    algorithm,
    publicKey,
    ...(privateKey === undefined ? {} : { privateKey }),
  });
}

/** What makes two keys with one kid the same key. */
function keyMaterial(key: AnyJwtKey): string {
  if (!isAsymmetricJwtKey(key)) return `HS256:${key.secret}`;
  return `${key.algorithm}:${JSON.stringify(key.publicKey.export({ format: "jwk" }))}`;
}

function uniqueKeys(keys: readonly AnyJwtKey[]): AnyJwtKey[] {
  const byKid = new Map<string, AnyJwtKey>();
  for (const key of keys) {
    const seen = byKid.get(key.kid);
    if (seen === undefined) byKid.set(key.kid, key);
    else if (keyMaterial(seen) !== keyMaterial(key))
      throw new TypeError(`Two JWT keys share the kid "${key.kid}"`);
  }
  return [...byKid.values()];
}

/** The algorithm a ring key signs and verifies with. */
export function jwtKeyAlgorithm(key: AnyJwtKey): JwtAlgorithm {
  return isAsymmetricJwtKey(key) ? key.algorithm : JWT_ALGORITHM;
}

/**
 * Builds a key ring: `current` signs, `previous` keys only verify. A bare string gets the kid
 * jwtKeyId(secret); a secret listed twice is kept once. Make it once and reuse it: the compiled
 * signer, verifiers and cache of verified tokens belong to the ring object.
 * @throws TypeError when a secret is shorter than 32 UTF-8 bytes, a kid is malformed, or two
 * different secrets share a kid.
 */
export function createJwtKeyRing(
  current: string | AnyJwtKey,
  previous: readonly (string | AnyJwtKey)[] = [],
): JwtKeyRing {
  const signing = toKey(current);
  if (isAsymmetricJwtKey(signing) && signing.privateKey === undefined) {
    throw new TypeError("The signing key of a ring needs its private key");
  }
  const verifying = uniqueKeys([signing, ...previous.map(toKey)]);
  return Object.freeze({ signing, verifying: Object.freeze(verifying) });
}

/** A token's payload, as signed or verified. */
export type Claims = Record<string, unknown>;

interface CompiledKey {
  kid: string;
  algorithm: JwtAlgorithm;
  verify: (token: string) => Claims;
}

interface CompiledRing {
  sign: (payload: Claims) => string;
  /**
   * Claims of tokens whose signature this ring verified, by the exact token string. Safe to
   * reuse: the same string under the same keys always verifies the same way. Time claims are
   * still checked on every call; failures are never stored (garbage cannot fill it).
   */
  verified: TwoGenerationCache<Claims>;
  byKid: Map<string, CompiledKey>;
  all: readonly CompiledKey[];
  /** The HS256 keys: the only ones a kid-less token may name. */
  hmacKeys: readonly CompiledKey[];
  /** Header segments this ring writes (and PyJWT's kid-less one) to the keys to try. */
  byHeaderSegment: Map<string, readonly CompiledKey[]>;
}

// Compact serialization, exactly three base64url segments (RFC 7515 §7.1; RFC 8725bis "Check
// JWT Format Type"); the signature is 43 characters (32 bytes).
const COMPACT_HS256 = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

/**
 * The HS256 check of one key, straight on node:crypto: HMAC-SHA256 over `header.payload`
 * compared in constant time, then the payload parsed as a JSON object with an `exp`. The
 * header was already allow-listed by `candidateKeys` (alg fixed to HS256). Measured on this
 * machine, fast-jwt's verifier ran at 49% of this floor for fresh tokens (`npm run bench:core`),
 * and this is the per-request path, so the few lines are ours. Throws on any failure.
 */
function createHs256Verifier(secret: string): (token: string) => Claims {
  const key = Buffer.from(secret, "utf8");
  return (token) => {
    if (!COMPACT_HS256.test(token)) throw new Error("malformed");
    const firstDot = token.indexOf(".");
    const lastDot = token.lastIndexOf(".");
    const signature = token.slice(lastDot + 1);
    if (!isCanonicalBase64Url(signature)) throw new Error("signature");
    const expected = createHmac("sha256", key).update(token.slice(0, lastDot)).digest();
    const actual = Buffer.from(signature, "base64url");
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new Error("signature");
    }
    const payload: unknown = JSON.parse(
      Buffer.from(token.slice(firstDot + 1, lastDot), "base64url").toString("utf8"),
    );
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      throw new Error("payload");
    }
    if (!("exp" in payload)) throw new Error("exp"); // RFC 8725 §3.10 / DESIGN: exp is required
    return payload as Claims;
  };
}

// EdDSA (Ed25519) and ES256 signatures are 64 bytes (RFC 8032 §5.1.6; RFC 7518 §3.4: R || S),
// 86 base64url characters whose last one carries 2 data bits and 4 zero bits (RFC 4648 §3.5:
// canonical, checked by isCanonicalBase64Url).
const COMPACT_ASYMMETRIC = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/;

/** The hash node:crypto's sign/verify take for an algorithm (Ed25519 hashes internally). */
function digestOf(algorithm: AsymmetricJwtAlgorithm): string | null {
  return algorithm === "EdDSA" ? null : "sha256";
}

/** The check of one asymmetric key on node:crypto; ES256 signatures are raw R || S (P1363). */
function createAsymmetricVerifier(key: AsymmetricJwtKey): (token: string) => Claims {
  const digest = digestOf(key.algorithm);
  const publicKey = { key: key.publicKey, dsaEncoding: "ieee-p1363" as const };
  return (token) => {
    if (!COMPACT_ASYMMETRIC.test(token)) throw new Error("malformed");
    const firstDot = token.indexOf(".");
    const lastDot = token.lastIndexOf(".");
    const signatureText = token.slice(lastDot + 1);
    if (!isCanonicalBase64Url(signatureText)) throw new Error("signature");
    const signature = Buffer.from(signatureText, "base64url");
    const input = Buffer.from(token.slice(0, lastDot), "latin1");
    if (!verifyBytes(digest, input, publicKey, signature)) throw new Error("signature");
    const payload: unknown = JSON.parse(
      Buffer.from(token.slice(firstDot + 1, lastDot), "base64url").toString("utf8"),
    );
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      throw new Error("payload");
    }
    if (!("exp" in payload)) throw new Error("exp");
    return payload as Claims;
  };
}

/** Signs with an asymmetric key: header `{ alg, typ: "JWT", kid }`, the payload as JSON. */
function createAsymmetricSigner(key: AsymmetricJwtKey): (payload: Claims) => string {
  const privateKey = key.privateKey;
  if (privateKey === undefined) throw new TypeError("The signing key needs its private key");
  const digest = digestOf(key.algorithm);
  const header = base64UrlJson({ alg: key.algorithm, typ: "JWT", kid: key.kid });
  return (payload) => {
    const input = `${header}.${base64UrlJson(payload)}`;
    const signature = signBytes(digest, Buffer.from(input, "latin1"), {
      key: privateKey,
      dsaEncoding: "ieee-p1363",
    });
    return `${input}.${encodeBase64Url(signature)}`;
  };
}

function compileRing(ring: JwtKeyRing): CompiledRing {
  if (typeof ring !== "object" || ring === null || !Array.isArray(ring.verifying)) {
    throw new TypeError("keys must be a JwtKeyRing (see createJwtKeyRing)");
  }
  const signing = toKey(ring.signing);
  const keys = uniqueKeys([signing, ...ring.verifying.map(toKey)]);
  const all = keys.map((key): CompiledKey =>
    isAsymmetricJwtKey(key)
      ? { kid: key.kid, algorithm: key.algorithm, verify: createAsymmetricVerifier(key) }
      : { kid: key.kid, algorithm: JWT_ALGORITHM, verify: createHs256Verifier(key.secret) },
  );
  // A kid-less header is PyJWT's: it may only ever be HS256, tried against the HMAC keys.
  const hmacKeys = all.filter((key) => key.algorithm === JWT_ALGORITHM);
  const byHeaderSegment = new Map<string, readonly CompiledKey[]>([
    [KIDLESS_HEADER_SEGMENT, hmacKeys],
  ]);
  for (const key of all) {
    byHeaderSegment.set(base64UrlJson({ alg: key.algorithm, typ: "JWT", kid: key.kid }), [key]);
  }
  return {
    sign: isAsymmetricJwtKey(signing)
      ? signing.privateKey === undefined
        ? () => {
            throw new TypeError("A verifying key ring cannot sign");
          }
        : createAsymmetricSigner(signing)
      : (createSigner({ key: signing.secret, algorithm: JWT_ALGORITHM, kid: signing.kid }) as (
          payload: Claims,
        ) => string),
    verified: new TwoGenerationCache<Claims>(VERIFIED_JWT_CACHE_SIZE / 2),
    byKid: new Map(all.map((key) => [key.kid, key])),
    all,
    hmacKeys,
    byHeaderSegment,
  };
}

const compiledRings = new WeakMap<JwtKeyRing, CompiledRing>();
// Rings made from bare secrets (options.secret), by secret.
const ringsBySecret = new Map<string, CompiledRing>();
const MAX_CACHED_SECRETS = 32;

function compiledFor(ring: JwtKeyRing): CompiledRing {
  let compiled = compiledRings.get(ring);
  if (compiled === undefined) {
    compiled = compileRing(ring);
    compiledRings.set(ring, compiled);
  }
  return compiled;
}

function compiledForSecrets(current: string, previous: readonly string[]): CompiledRing {
  const cacheKey = JSON.stringify([current, ...previous]);
  let compiled = ringsBySecret.get(cacheKey);
  if (compiled === undefined) {
    compiled = compileRing(createJwtKeyRing(current, previous));
    if (ringsBySecret.size >= MAX_CACHED_SECRETS) {
      ringsBySecret.delete(ringsBySecret.keys().next().value as string);
    }
    ringsBySecret.set(cacheKey, compiled);
  }
  return compiled;
}

function resolveRing(options: JwtOptions | undefined): CompiledRing {
  if (options?.keys !== undefined) {
    if (options.secret !== undefined) throw new TypeError("Pass either secret or keys, not both");
    return compiledFor(options.keys);
  }
  if (options?.secret !== undefined) return compiledForSecrets(options.secret, []);
  // The core reads no environment; the package's entry point (src/index.ts) fills these in
  // from TESSERA_JWT_SECRET for the seed's call shape `createJwt(user, hours)`.
  throw new TypeError("No JWT secret: pass options.secret or options.keys");
}

function checkHoursAndSubject(user: JwtSubject, validityHours: number): void {
  if (typeof user !== "object" || user === null) throw new TypeError("user must be an object");
  for (const field of ["id", "name", "email"] as const) {
    if (typeof user[field] !== "string") throw new TypeError(`user.${field} must be a string`);
  }
  const version = user.tokenVersion;
  if (version !== undefined && (!Number.isSafeInteger(version) || version < 0)) {
    throw new TypeError("user.tokenVersion must be a non-negative integer");
  }
  if (typeof validityHours !== "number" || !Number.isFinite(validityHours) || validityHours <= 0) {
    throw new TypeError("validityHours must be a positive number");
  }
}

/**
 * Signs an HS256 token for `user` with claims `id`, `name`, `email`, `exp` (now + validityHours,
 * whole seconds), `iat`, and `ver` when user.tokenVersion is given; the header carries the
 * signing key's `kid`. Keys: options.keys, else options.secret (the package's entry point
 * reads `TESSERA_JWT_SECRET` when neither is given); clock: options.clock, else systemClock.
 * @throws TypeError on a missing or short secret, a malformed user, or validityHours <= 0.
 */
export function createJwt(user: JwtSubject, validityHours: number, options?: JwtOptions): string {
  checkHoursAndSubject(user, validityHours);
  const ring = resolveRing(options);
  const nowMs = (options?.clock ?? systemClock)();
  const claims: Claims = {
    id: user.id,
    name: user.name,
    email: user.email,
    exp: Math.floor((nowMs + validityHours * 3_600_000) / 1000),
    iat: Math.floor(nowMs / 1000),
  };
  if (user.tokenVersion !== undefined) claims.ver = user.tokenVersion;
  return ring.sign(claims);
}

/** The keys a token may be signed with, from its header; empty when the header is refused. */
function candidateKeys(ring: CompiledRing, headerSegment: string): readonly CompiledKey[] {
  const known = ring.byHeaderSegment.get(headerSegment);
  if (known !== undefined) return known;
  // Not a header this ring writes: accept only an allow-listed shape (RFC 8725bis: allow-lists).
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(headerSegment, "base64url").toString("utf8"));
  } catch {
    return [];
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return [];
  const members = header as Record<string, unknown>;
  for (const name of Object.keys(members)) if (!ALLOWED_HEADER_MEMBERS.has(name)) return [];
  if (members.typ !== undefined && members.typ !== "JWT") return [];
  // The key decides the algorithm: the header's `alg` must be the named key's own (RFC 8725 §2.1,
  // §3.1). A kid-less token can only be the seed's HS256.
  if (members.kid === undefined) return members.alg === JWT_ALGORITHM ? ring.hmacKeys : [];
  if (typeof members.kid !== "string") return [];
  const key = ring.byKid.get(members.kid);
  return key === undefined || key.algorithm !== members.alg ? [] : [key];
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function readClaims(claims: Claims, nowMs: number): VerifiedJwt | null {
  const { id, name, email, exp, iat, nbf, ver } = claims;
  if (typeof id !== "string" || typeof name !== "string" || typeof email !== "string") return null;
  // PyJWT: expired when exp <= now (leeway 0).
  if (!isTime(exp) || exp * 1000 <= nowMs) return null;
  const latestMs = nowMs + DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS * 1000;
  if (iat !== undefined && (!isTime(iat) || iat * 1000 > latestMs)) return null;
  if (nbf !== undefined && (!isTime(nbf) || nbf * 1000 > latestMs)) return null;
  if (ver !== undefined && (typeof ver !== "number" || !Number.isSafeInteger(ver) || ver < 0)) {
    return null;
  }
  return {
    user: { id, name, email },
    tokenVersion: ver ?? 0,
    issuedAtSeconds: iat ?? null,
    expiresAtSeconds: exp,
  };
}

/**
 * Verifies a token and returns its user and claims, or null for anything invalid: bad format or
 * signature, another algorithm, an unknown kid, a missing/past `exp`, `iat`/`nbf` more than 60 s
 * ahead, or claims of the wrong type. Tokens without `ver` count as version 0. A token without
 * `kid` is tried against every key of the ring. A token this ring verified before is answered
 * from a bounded cache (VERIFIED_JWT_CACHE_SIZE); its time claims are checked on every call.
 * Keys and clock: see createJwt.
 * @throws TypeError only on misconfiguration (no secret, short secret, malformed ring).
 */
export function verifyJwtClaims(token: string, options?: JwtOptions): VerifiedJwt | null {
  const claims = verifyJwtPayload(token, options);
  return claims === null ? null : readClaims(claims, (options?.clock ?? systemClock)());
}

/**
 * The signature check behind verifyJwtClaims: the token's claims when its format, header and
 * signature are right (time claims NOT checked), else null. Internal: for `session-jwt.ts`.
 */
export function verifyJwtPayload(token: string, options?: JwtOptions): Claims | null {
  const ring = resolveRing(options);
  if (typeof token !== "string" || token.length > MAX_JWT_LENGTH) return null;
  const cached = ring.verified.get(token);
  if (cached !== undefined) return cached;
  const lastDot = token.lastIndexOf(".");
  // Every key checks its own signature length and encoding; cut anything else short here.
  const signatureChars = token.length - lastDot - 1;
  if (signatureChars !== SIGNATURE_CHARS && signatureChars !== ASYMMETRIC_SIGNATURE_CHARS) {
    return null;
  }
  const firstDot = token.indexOf(".");
  if (firstDot <= 0 || firstDot === lastDot) return null;
  for (const key of candidateKeys(ring, token.slice(0, firstDot))) {
    let claims: Claims;
    try {
      claims = key.verify(token);
    } catch {
      continue; // wrong key, bad signature or malformed JSON: one generic failure
    }
    ring.verified.set(token, claims);
    return claims;
  }
  return null;
}

/** Signs `claims` with the ring's current key (internal: for `session-jwt.ts`). */
export function signJwtPayload(claims: Claims, options?: JwtOptions): string {
  return resolveRing(options).sign(claims);
}

/**
 * A ring that only verifies, from public keys (what a resource server builds from a JWKS).
 * @throws TypeError for an empty list or a malformed key.
 */
export function createVerifyingKeyRing(keys: readonly AsymmetricJwtKey[]): JwtKeyRing {
  if (keys.length === 0) throw new TypeError("A verifying key ring needs at least one key");
  const verifying = uniqueKeys(keys.map(toKey));
  return Object.freeze({ signing: verifying[0]!, verifying: Object.freeze(verifying) });
}

/**
 * Verifies a token's signature (the key its `kid` names, with that key's algorithm), that `exp`
 * is in the future and that `iat`/`nbf` are not more than 60 s ahead, and returns its payload;
 * null for anything else. Unlike verifyJwtClaims it asks nothing of the other claims: for tokens
 * of any shape (access tokens, tokens without personal data).
 */
export function verifyTimedJwtPayload(
  token: string,
  options: { keys: JwtKeyRing; clock?: Clock },
): Readonly<Record<string, unknown>> | null {
  const claims = verifyJwtPayload(token, options);
  if (claims === null) return null;
  const nowMs = (options.clock ?? systemClock)();
  const { exp, iat, nbf } = claims;
  if (!isTime(exp) || exp * 1000 <= nowMs) return null;
  const latestMs = nowMs + DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS * 1000;
  if (iat !== undefined && (!isTime(iat) || iat * 1000 > latestMs)) return null;
  if (nbf !== undefined && (!isTime(nbf) || nbf * 1000 > latestMs)) return null;
  return claims;
}

/**
 * The seed's `verify_jwt`: the token's `{ id, name, email }`, or null when it is not valid
 * (see verifyJwtClaims). Keys and clock: see createJwt.
 * @throws TypeError only on misconfiguration (no secret, short secret, malformed ring).
 */
export function verifyJwt(token: string, options?: JwtOptions): JwtUser | null {
  return verifyJwtClaims(token, options)?.user ?? null;
}
