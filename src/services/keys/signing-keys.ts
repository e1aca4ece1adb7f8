/**
 * The keys session tokens are signed with. With HS256 (the default, the seed's) it is the
 * configured secret ring and no session key is published. With EdDSA or ES256 the key pairs live
 * in the database, private halves sealed (core/key-encryption.ts): the newest unretired key
 * signs; a rotated key keeps verifying, and stays in the JWKS, until the longest token it can
 * have signed has expired; then `pruneSigningKeys` drops it. The HS256 keys keep verifying in
 * every mode, so sessions issued before a switch of algorithm live out their time.
 *
 * The same table holds the OpenID provider's RS256 keys (oidc-keys.ts, issue 21), which the same
 * rotation, pruning and listing serve: `openStoredKeys` is the loading both share.
 *
 * Every instance reloads the keys on `refresh()` (the composition root calls it every minute),
 * so a rotation needs no restart.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { HOUR_MS, SECOND_MS, type Clock } from "../../core/clock.js";
import { generateJwtKeyPair, importPublicJwk, publicJwk, type JwkSet } from "../../core/jwk.js";
import {
  checkAsymmetricKey,
  createJwtKeyRing,
  type AsymmetricJwtAlgorithm,
  type AsymmetricJwtKey,
  type JwtKeyRing,
  type SessionJwtAlgorithm,
} from "../../core/jwt/index.js";
import { openPrivateKey, sealPrivateKey } from "../../core/key-encryption.js";
import {
  addSigningKey,
  deleteRetiredSigningKeys,
  listSigningKeys,
  resealSigningKey,
  retireSigningKeys,
  withTransaction,
  type DatabaseHandle,
  type StoredSigningKey,
} from "../../store/index.js";

/** How often each instance reloads the keys (issue 13: "they notice within a minute"). */
export const SIGNING_KEY_REFRESH_MS = 60_000;

/** The algorithm of the OpenID provider's ID-token keys (OpenID Connect Core §15.1: RS256). */
export const OIDC_SIGNING_ALGORITHM = "RS256";

/** What the signing keys need to know. */
export interface SigningKeySettings {
  /** What session tokens are signed with. */
  readonly jwtAlgorithm: SessionJwtAlgorithm;
  /** The HS256 ring from the configured secret(s). */
  readonly hmacKeys: JwtKeyRing;
  /** Longest lifetime of a token a key signs, in hours. */
  readonly jwtValidityHours: number;
  /** AES key that seals private keys (HKDF of the operator's secret). */
  readonly keyEncryptionKey: Buffer;
  /**
   * Keys that may have sealed a stored key before the secret they come from rotated: while the
   * key-encryption secret is the JWT secret (its default), the previous JWT secrets'. A key
   * opened with one is sealed again with `keyEncryptionKey`.
   */
  readonly previousKeyEncryptionKeys: readonly Buffer[];
}

/** One key as an operator sees it. */
export interface SigningKeyInfo {
  kid: string;
  algorithm: string;
  createdAt: Date;
  retiredAt: Date | null;
  /** When it stops verifying (retired + token lifetime); null while it signs. */
  verifiesUntil: Date | null;
  signing: boolean;
}

/** The live keys of one instance. */
export interface SigningKeys {
  /** The ring sessions are signed and verified with now. */
  ring(): JwtKeyRing;
  /** The public keys that still verify live tokens (empty with HS256: secrets are never published). */
  jwks(): JwkSet;
  /** How long a JWKS answer may be cached, in seconds. */
  readonly jwksMaxAgeSeconds: number;
  /** Reloads the keys from the database (a rotation elsewhere). */
  refresh(): Promise<void>;
}

type Db = DatabaseHandle;

function validityMs(settings: SigningKeySettings): number {
  return settings.jwtValidityHours * HOUR_MS;
}

function stillVerifies(
  key: StoredSigningKey,
  settings: SigningKeySettings,
  nowMs: number,
): boolean {
  return key.retiredAt === null || key.retiredAt.getTime() + validityMs(settings) > nowMs;
}

/** The private half of a stored key, and whether it was sealed with a previous key. */
function openSealed(
  key: StoredSigningKey,
  settings: SigningKeySettings,
): { der: Buffer; previous: boolean } {
  let firstError: unknown;
  const candidates = [settings.keyEncryptionKey, ...settings.previousKeyEncryptionKeys];
  for (const [index, candidate] of candidates.entries()) {
    try {
      return { der: openPrivateKey(candidate, key.sealedPrivateKey, key.kid), previous: index > 0 };
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError;
}

function unseal(
  key: StoredSigningKey,
  settings: SigningKeySettings,
): { key: AsymmetricJwtKey; der: Buffer; previous: boolean } {
  const imported = importPublicJwk(JSON.parse(key.publicJwk));
  if (imported === null || imported.kid !== key.kid || imported.algorithm !== key.algorithm) {
    throw new Error(`Signing key ${key.kid}: the stored public key is not valid`);
  }
  const { der, previous } = openSealed(key, settings);
  const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  // The private half must belong to the public half the JWKS publishes: the whole public key
  // (SubjectPublicKeyInfo) compared, whatever its type (x and y, or n and e).
  const spki = { format: "der", type: "spki" } as const;
  if (!createPublicKey(privateKey).export(spki).equals(imported.publicKey.export(spki))) {
    throw new Error(`Signing key ${key.kid}: the private key does not match the public key`);
  }
  return { key: checkAsymmetricKey({ ...imported, privateKey }), der, previous };
}

async function insertNewKey(
  db: Db,
  settings: SigningKeySettings,
  algorithm: AsymmetricJwtAlgorithm,
  nowMs: number,
): Promise<AsymmetricJwtKey> {
  const key = generateJwtKeyPair(algorithm);
  const der = key.privateKey!.export({ format: "der", type: "pkcs8" });
  await addSigningKey(
    db,
    {
      kid: key.kid,
      algorithm,
      publicJwk: JSON.stringify(publicJwk(key)),
      sealedPrivateKey: sealPrivateKey(settings.keyEncryptionKey, der, key.kid),
    },
    nowMs,
  );
  return key;
}

/** Opened keys by kid: each stored key is unsealed once per instance. */
export type OpenedKeys = Map<string, AsymmetricJwtKey>;

/**
 * The keys of `algorithm` that still verify, the one that signs (the newest unretired) first,
 * then the others newest first; a first key is made when none signs (first start). Several
 * instances starting at once may each make one: all of them verify, the newest signs.
 * @throws Error when a stored key cannot be opened (a wrong TESSERA_KEY_ENCRYPTION_SECRET).
 */
export async function openStoredKeys(
  db: Db,
  settings: SigningKeySettings,
  algorithm: AsymmetricJwtAlgorithm,
  nowMs: number,
  opened: OpenedKeys,
): Promise<AsymmetricJwtKey[]> {
  const live = async () =>
    (await listSigningKeys(db, algorithm)).filter((k) => stillVerifies(k, settings, nowMs));
  let stored = await live();
  if (!stored.some((k) => k.retiredAt === null)) {
    await insertNewKey(db, settings, algorithm, nowMs);
    stored = await live();
  }
  const signingIndex = stored.findIndex((k) => k.retiredAt === null);
  const ordered = [stored[signingIndex]!, ...stored.filter((_, i) => i !== signingIndex)];
  const keys: AsymmetricJwtKey[] = [];
  for (const k of ordered) {
    let key = opened.get(k.kid);
    if (key === undefined) {
      const unsealed = unseal(k, settings);
      // Sealed under a previous JWT secret (the default key-encryption secret rotated): sealed
      // again under the current one, so the previous secret can be dropped.
      if (unsealed.previous) {
        await resealSigningKey(
          db,
          k.kid,
          sealPrivateKey(settings.keyEncryptionKey, unsealed.der, k.kid),
        );
      }
      key = unsealed.key;
      opened.set(k.kid, key);
    }
    keys.push(key);
  }
  return keys;
}

/**
 * Loads the keys (making the first one on first start with EdDSA or ES256) and returns the live
 * keys of this instance. Several instances starting at once may each make a key: all of them
 * verify, the newest signs.
 * @throws Error when a stored key cannot be opened (a wrong TESSERA_KEY_ENCRYPTION_SECRET).
 */
export async function loadSigningKeys(
  db: Db,
  settings: SigningKeySettings,
  clock: Clock,
): Promise<SigningKeys> {
  const algorithm = settings.jwtAlgorithm;
  const jwksMaxAgeSeconds = Math.round(SIGNING_KEY_REFRESH_MS / SECOND_MS) * 5;
  if (algorithm === "HS256") {
    return {
      ring: () => settings.hmacKeys,
      jwks: () => ({ keys: [] }),
      jwksMaxAgeSeconds,
      refresh: async () => {},
    };
  }
  let current: { ring: JwtKeyRing; jwks: JwkSet } | undefined;
  const opened: OpenedKeys = new Map();
  const load = async () => {
    const [signing, ...others] = await openStoredKeys(db, settings, algorithm, clock(), opened);
    current = {
      ring: createJwtKeyRing(signing!, [...others, ...settings.hmacKeys.verifying]),
      jwks: { keys: [signing!, ...others].map(publicJwk) },
    };
  };
  await load();
  return {
    ring: () => current!.ring,
    jwks: () => current!.jwks,
    jwksMaxAgeSeconds,
    refresh: load,
  };
}

/** The algorithms whose keys are stored and in use: the sessions' (unless HS256) and RS256. */
export function storedKeyAlgorithms(settings: SigningKeySettings): AsymmetricJwtAlgorithm[] {
  return settings.jwtAlgorithm === "HS256"
    ? [OIDC_SIGNING_ALGORITHM]
    : [settings.jwtAlgorithm, OIDC_SIGNING_ALGORITHM];
}

/**
 * Makes a new signing key of `algorithm` (default: the sessions') and retires the others of
 * that algorithm (they keep verifying, and stay published, until their tokens have expired).
 * `RS256` rotates the OpenID provider's ID-token key. Returns the new kid.
 * @throws TypeError with HS256 (rotate the secret with TESSERA_JWT_PREVIOUS_SECRETS instead), or
 * an algorithm not in use (storedKeyAlgorithms).
 */
export async function rotateSigningKey(
  db: Db,
  settings: SigningKeySettings,
  clock: Clock,
  algorithm: AsymmetricJwtAlgorithm | "HS256" = settings.jwtAlgorithm,
): Promise<string> {
  if (algorithm === "HS256") {
    throw new TypeError(
      "HS256 keys are the configured secret: rotate with TESSERA_JWT_SECRET and TESSERA_JWT_PREVIOUS_SECRETS",
    );
  }
  const inUse = storedKeyAlgorithms(settings);
  if (!inUse.includes(algorithm)) {
    throw new TypeError(`No ${algorithm} keys are in use (rotate one of ${inUse.join(", ")})`);
  }
  const nowMs = clock();
  return withTransaction(db, async (trx) => {
    const key = await insertNewKey(trx, settings, algorithm, nowMs);
    await retireSigningKeys(trx, algorithm, key.kid, nowMs);
    return key.kid;
  });
}

/** Deletes keys whose every token has expired; the kids deleted. */
export async function pruneSigningKeys(
  db: Db,
  settings: SigningKeySettings,
  clock: Clock,
): Promise<string[]> {
  return deleteRetiredSigningKeys(db, clock() - validityMs(settings));
}

/** Every stored key, newest first, with what it does now. */
export async function describeSigningKeys(
  db: Db,
  settings: SigningKeySettings,
  clock: Clock,
): Promise<SigningKeyInfo[]> {
  const nowMs = clock();
  const stored = await listSigningKeys(db);
  // The newest unretired key of each algorithm in use signs (sessions, ID tokens).
  const signingKids = new Set(
    storedKeyAlgorithms(settings).map(
      (algorithm) => stored.find((k) => k.algorithm === algorithm && k.retiredAt === null)?.kid,
    ),
  );
  return stored.map((k) => ({
    kid: k.kid,
    algorithm: k.algorithm,
    createdAt: k.createdAt,
    retiredAt: k.retiredAt,
    verifiesUntil:
      k.retiredAt === null ? null : new Date(k.retiredAt.getTime() + validityMs(settings)),
    signing: signingKids.has(k.kid) && stillVerifies(k, settings, nowMs),
  }));
}
