/**
 * The composition root: configuration in, running parts out. The standalone server, the CLI,
 * the Fastify plugin (through host apps) and the test harnesses all start here, so "how is
 * Tessera assembled?" has one answer:
 *
 *   database    `config.databaseUrl` (SQLite file or PostgreSQL), migrated to the latest schema
 *   Redis       when `config.redisUrl` is set: shared rate limits and WebAuthn challenges, so
 *               any number of instances agree; otherwise counters in the database, challenges in
 *               memory on SQLite and in the database on PostgreSQL
 *   throttle    the login/TOTP failure limits over that store, per account and per address
 *   passkeys    the relying party from the config and the challenge store
 *   clock       the system clock, or the one a test injects
 *
 *   const tessera = await createTessera(loadConfig());
 *   await app.register(tesseraPlugin, { tessera });
 */
import { systemClock, type Clock } from "./core/clock.js";
import { prepareDummyPasswordHash } from "./core/password.js";
import type { TesseraConfig } from "./config.js";
import type { Readiness, Tessera } from "./services/context.js";
import { createHashGate, type HashGate } from "./services/hash-gate.js";
import { createLoginThrottle, type RateLimitStore } from "./services/rate-limit/index.js";
import {
  createDatabaseChallengeStore,
  createMemoryChallengeStore,
  createRedisChallengeStore,
  type ChallengeStore,
} from "./store/challenge-store.js";
import {
  createDatabase,
  migrateToLatest,
  pendingMigrations,
  pingDatabase,
  type TesseraDatabase,
} from "./store/index.js";
import { createDatabaseRateLimitStore } from "./store/rate-limit-store.js";
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
  /** Bounds sign-in hashing. Default: `createHashGate()` (the core count, a bounded queue). */
  hashGate?: HashGate;
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
    const database =
      overrides.database ??
      (await createDatabase(config.databaseUrl, {
        acquireTimeoutMs: config.databaseAcquireTimeoutMs,
        statementTimeoutMs: config.databaseStatementTimeoutMs,
      }));
    if (overrides.database === undefined) closers.push(() => database.destroy());
    await migrateToLatest(database.db);
    // The unknown-user dummy hash is made now, so the first unknown name costs no more than later ones.
    await prepareDummyPasswordHash(config.argon2);

    let rateLimitStore = overrides.rateLimitStore;
    let challenges = overrides.challengeStore;
    let redisPing: (() => Promise<unknown>) | null = null;
    if (config.redisUrl !== null && (rateLimitStore === undefined || challenges === undefined)) {
      const redis = createRedisClient(config.redisUrl);
      redisPing = () => redis.ping();
      closers.push(() => closeRedisClient(redis));
      rateLimitStore ??= createRedisRateLimitStore(redis, {
        keyPrefix: REDIS_KEY_PREFIXES.rateLimit,
      });
      challenges ??= createRedisChallengeStore(redis, { keyPrefix: REDIS_KEY_PREFIXES.challenge });
    }
    // Without Redis the counters live in the database, so a restart keeps every lock (issue 14
    // item 6); the memory store remains for host apps that pass it in.
    rateLimitStore ??= createDatabaseRateLimitStore(database.db);
    // Without Redis: in memory on SQLite (one host, one process serves it; issue 14 item 9, no
    // rows from an unauthenticated endpoint), in the database on PostgreSQL, which several
    // instances may share.
    challenges ??=
      database.dialect === "sqlite"
        ? createMemoryChallengeStore()
        : createDatabaseChallengeStore(database.db);

    const clock = overrides.clock ?? systemClock;
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
      settings: config,
      database,
      ctx: {
        db: database.db,
        settings: config,
        clock,
        throttle,
        hashGate: overrides.hashGate ?? createHashGate(),
      },
      passkeys: {
        rp: {
          id: config.webauthn.rpId,
          name: config.webauthn.rpName,
          origins: config.webauthn.origins,
        },
        challenges,
      },
      ping: () => pingDatabase(database.db),
      readiness: async (): Promise<Readiness> => {
        const [databaseState, redisState] = await Promise.all([
          pingDatabase(database.db)
            .then(async () =>
              (await pendingMigrations(database.db)).length === 0 ? "ok" : "not_migrated",
            )
            .catch(() => "unreachable" as const),
          redisPing === null
            ? ("none" as const)
            : redisPing().then(
                () => "ok" as const,
                () => "unreachable" as const,
              ),
        ]);
        return {
          ready: databaseState === "ok" && redisState !== "unreachable",
          database: databaseState,
          redis: redisState,
        };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
