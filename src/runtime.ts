/**
 * The composition root: configuration in, running parts out. The standalone server, the CLI,
 * the Fastify plugin (through host apps) and the test harnesses all start here, so "how is
 * Tessera assembled?" has one answer:
 *
 *   database    `config.databaseUrl` (SQLite file or PostgreSQL), migrated to the latest schema
 *   Redis       when `config.redisUrl` is set: shared rate limits and WebAuthn challenges, so
 *               any number of instances agree; otherwise counters in memory, challenges in
 *               the database
 *   throttle    the login/TOTP failure limits over that store, per account and per address
 *   passkeys    the relying party from the config and the challenge store
 *   clock       the system clock, or the one a test injects
 *
 *   const tessera = await createTessera(loadConfig());
 *   await app.register(tesseraPlugin, { tessera });
 */
import { systemClock, type Clock } from "./core/clock.js";
import { deriveKeyEncryptionKey } from "./core/key-encryption.js";
import { prepareDummyPasswordHash } from "./core/password.js";
import type { TesseraConfig } from "./config.js";
import type { Tessera } from "./services/context.js";
import {
  SIGNING_KEY_REFRESH_MS,
  loadSigningKeys,
  type SigningKeySettings,
} from "./services/signing-keys.js";
import {
  createLoginThrottle,
  createMemoryRateLimitStore,
  type RateLimitStore,
} from "./services/rate-limit/index.js";
import {
  createDatabaseChallengeStore,
  createRedisChallengeStore,
  type ChallengeStore,
} from "./store/challenge-store.js";
import {
  createDatabase,
  migrateToLatest,
  pingDatabase,
  type TesseraDatabase,
} from "./store/index.js";
import { closeRedisClient, createRedisClient, createRedisRateLimitStore } from "./store/redis.js";

/** Key prefixes in a shared Redis: rate-limit counters and WebAuthn challenges. */
export const REDIS_KEY_PREFIXES = Object.freeze({
  rateLimit: "tessera:rl:",
  challenge: "tessera:challenge:",
});

/** Parts to use instead of the ones the configuration names (tests, host apps). */
export interface TesseraOverrides {
  /** Use this database instead of opening `config.databaseUrl`; it is migrated, not closed. */
  database?: TesseraDatabase;
  /** Use this rate-limit store instead of memory or Redis. */
  rateLimitStore?: RateLimitStore;
  /** Use this WebAuthn challenge store instead of the database or Redis. */
  challengeStore?: ChallengeStore;
  /** The time every part reads. Default: systemClock. */
  clock?: Clock;
}

/** The running parts, with the database they run on. */
export interface TesseraRuntime extends Tessera {
  readonly config: TesseraConfig;
  readonly database: TesseraDatabase;
}

/**
 * Opens the database (and Redis when configured), migrates, and returns the running parts.
 * `close()` closes what was opened here, in reverse order; parts passed in `overrides` stay
 * open. On a failure half-way, what was opened is closed before the error is thrown.
 * @throws the driver's error when the database cannot be opened or migrated.
 */
export async function createTessera(
  config: TesseraConfig,
  overrides: TesseraOverrides = {},
): Promise<TesseraRuntime> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const database = overrides.database ?? (await createDatabase(config.databaseUrl));
    if (overrides.database === undefined) closers.push(() => database.destroy());
    await migrateToLatest(database.db);
    // The unknown-user dummy hash is made now, so the first unknown name costs no more than later ones.
    await prepareDummyPasswordHash(config.argon2);

    let rateLimitStore = overrides.rateLimitStore;
    let challenges = overrides.challengeStore;
    if (config.redisUrl !== null && (rateLimitStore === undefined || challenges === undefined)) {
      const redis = createRedisClient(config.redisUrl);
      closers.push(() => closeRedisClient(redis));
      rateLimitStore ??= createRedisRateLimitStore(redis, {
        keyPrefix: REDIS_KEY_PREFIXES.rateLimit,
      });
      challenges ??= createRedisChallengeStore(redis, { keyPrefix: REDIS_KEY_PREFIXES.challenge });
    }
    rateLimitStore ??= createMemoryRateLimitStore();
    challenges ??= createDatabaseChallengeStore(database.db);

    const clock = overrides.clock ?? systemClock;
    // Session tokens: the HS256 secret ring, or EdDSA/ES256 keys from the database, reloaded
    // every minute so a rotation on any instance (or by the CLI) reaches this one.
    const signingKeys = await loadSigningKeys(database.db, signingKeySettings(config), clock);
    const refresh = setInterval(() => {
      // A database blip keeps the keys this instance has; the next tick tries again.
      signingKeys.refresh().catch(() => undefined);
    }, SIGNING_KEY_REFRESH_MS);
    refresh.unref();
    closers.push(async () => clearInterval(refresh));
    // The services read `settings.jwtKeys` on every issue and check: it follows the live ring.
    const settings: TesseraConfig = Object.freeze(
      Object.defineProperty({ ...config }, "jwtKeys", {
        get: () => signingKeys.ring(),
        enumerable: true,
      }),
    );
    const throttle = createLoginThrottle({
      store: rateLimitStore,
      clock,
      addressPolicy: {
        kind: "window",
        maxFailures: config.addressMaxFailures,
        windowMs: config.addressWindowMinutes * 60_000,
      },
    });

    return {
      config,
      settings,
      database,
      ctx: { db: database.db, settings, clock, throttle },
      signingKeys,
      passkeys: {
        rp: {
          id: config.webauthn.rpId,
          name: config.webauthn.rpName,
          origins: config.webauthn.origins,
        },
        challenges,
      },
      ping: () => pingDatabase(database.db),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The signing-key settings a configuration gives (also used by `tessera keys`). */
export function signingKeySettings(config: TesseraConfig): SigningKeySettings {
  return {
    jwtAlgorithm: config.jwtAlgorithm,
    hmacKeys: config.jwtKeys,
    jwtValidityHours: config.jwtValidityHours,
    keyEncryptionKey: deriveKeyEncryptionKey(config.keyEncryptionSecret),
  };
}
