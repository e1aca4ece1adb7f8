/**
 * A ring made ready for the per-request path, and the two caches that keep it fast: each ring's
 * signer and verifiers are made once (in a WeakMap by ring, or by secret for `options.secret`),
 * and each compiled ring keeps the claims of the tokens it verified, so a session's repeated
 * requests skip the signature check.
 */
import type { Clock } from "../clock.js";
import {
  asymmetricSignatureChars,
  createAsymmetricSigner,
  createAsymmetricVerifier,
} from "./asymmetric.js";
import type { Claims } from "./claims.js";
import {
  HS256_SIGNATURE_CHARS,
  JWT_ALGORITHM,
  KIDLESS_HEADER_SEGMENT,
  createHs256Signer,
  createHs256Verifier,
} from "./hs256.js";
import {
  createJwtKeyRing,
  isAsymmetricJwtKey,
  toKey,
  uniqueKeys,
  type JwtAlgorithm,
  type JwtKeyRing,
} from "./key-ring.js";
import { keyHeaderSegment } from "./segments.js";

/** Where the keys come from and what time it is. */
export interface JwtOptions {
  /** One secret (at least 32 UTF-8 bytes). */
  secret?: string;
  /** A key ring from createJwtKeyRing; takes the place of `secret`. */
  keys?: JwtKeyRing;
  /** Milliseconds since the epoch; default: systemClock. */
  clock?: Clock;
}

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

/** One key's verifier, with the kid and algorithm a header must name to reach it. */
export interface CompiledKey {
  kid: string;
  algorithm: JwtAlgorithm;
  /** Base64url length of this key's signatures (43 for HS256, 86 for EdDSA/ES256, RS256's by modulus). */
  signatureChars: number;
  verify: (token: string) => Claims;
}

/** A ring's signer, verifiers and cache of verified tokens. */
export interface CompiledRing {
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
  /** The signature lengths of the ring's keys: a token with another is refused unread. */
  signatureChars: ReadonlySet<number>;
  /** Header segments this ring writes (and PyJWT's kid-less one) to the keys to try. */
  byHeaderSegment: Map<string, readonly CompiledKey[]>;
}

function compileRing(ring: JwtKeyRing): CompiledRing {
  if (typeof ring !== "object" || ring === null || !Array.isArray(ring.verifying)) {
    throw new TypeError("keys must be a JwtKeyRing (see createJwtKeyRing)");
  }
  const signing = toKey(ring.signing);
  const keys = uniqueKeys([signing, ...ring.verifying.map(toKey)]);
  const all = keys.map((key): CompiledKey =>
    isAsymmetricJwtKey(key)
      ? {
          kid: key.kid,
          algorithm: key.algorithm,
          signatureChars: asymmetricSignatureChars(key),
          verify: createAsymmetricVerifier(key),
        }
      : {
          kid: key.kid,
          algorithm: JWT_ALGORITHM,
          signatureChars: HS256_SIGNATURE_CHARS,
          verify: createHs256Verifier(key.secret),
        },
  );
  // A kid-less header is PyJWT's: it may only ever be HS256, tried against the HMAC keys.
  const hmacKeys = all.filter((key) => key.algorithm === JWT_ALGORITHM);
  const byHeaderSegment = new Map<string, readonly CompiledKey[]>([
    [KIDLESS_HEADER_SEGMENT, hmacKeys],
  ]);
  for (const key of all) {
    byHeaderSegment.set(keyHeaderSegment(key.algorithm, key.kid), [key]);
  }
  return {
    sign: isAsymmetricJwtKey(signing)
      ? signing.privateKey === undefined
        ? () => {
            throw new TypeError("A verifying key ring cannot sign");
          }
        : createAsymmetricSigner(signing)
      : createHs256Signer(signing),
    verified: new TwoGenerationCache<Claims>(VERIFIED_JWT_CACHE_SIZE / 2),
    byKid: new Map(all.map((key) => [key.kid, key])),
    all,
    hmacKeys,
    signatureChars: new Set(all.map((key) => key.signatureChars)),
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

/**
 * The compiled ring of options.keys, else of options.secret.
 * @throws TypeError when both or neither are given, or the ring or secret is malformed.
 */
export function resolveRing(options: JwtOptions | undefined): CompiledRing {
  if (options?.keys !== undefined) {
    if (options.secret !== undefined) throw new TypeError("Pass either secret or keys, not both");
    return compiledFor(options.keys);
  }
  if (options?.secret !== undefined) return compiledForSecrets(options.secret, []);
  // The core reads no environment; the package's entry point (src/index.ts) fills these in
  // from TESSERA_JWT_SECRET for the seed's call shape `createJwt(user, hours)`.
  throw new TypeError("No JWT secret: pass options.secret or options.keys");
}
