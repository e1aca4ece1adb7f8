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
 *   sessions    the per-process cache of session state, kept right by a channel: Redis
 *               pub/sub when configured, else PostgreSQL LISTEN/NOTIFY, else SQLite's
 *               `PRAGMA data_version`; and the hourly sweep of old session records
 *   mail        the worker that sends the durable mail queue over SMTP (`config.smtpUrl`),
 *               or writes it to `DATA_DIR/outbox/` without one
 *
 *   const tessera = await createTessera(loadConfig());            // the environment
 *   const tessera = await createTessera({ databaseUrl, publicUrl, jwtSecret }); // typed
 *   await app.register(tesseraPlugin, { tessera });
 */
import { systemClock, type Clock } from "./core/clock.js";
import { deriveKeyEncryptionKey } from "./core/key-encryption.js";
import { prepareDummyPasswordHash } from "./core/password.js";
import {
  isTesseraConfig,
  resolveConfig,
  type TesseraConfig,
  type TesseraOptions,
} from "./config/index.js";
import { startAuditSweeper } from "./services/audit/audit-log.js";
import type { Readiness, Tessera } from "./http/tessera.js";
import { createHashGate, type HashGate } from "./services/abuse/hash-gate.js";
import { createProofOfWork, proofOfWorkKey } from "./services/abuse/proof-of-work.js";
import { createMetrics } from "./services/metrics.js";
import { loadOidcSigningKeys } from "./services/keys/oidc-keys.js";
import { startOidcRuntime, type OidcRuntime } from "./services/oidc/running.js";
import { createUpstreamDependencies } from "./runtime-parts.js";
import type { SessionEvent } from "./services/session-cache.js";
import {
  SIGNING_KEY_REFRESH_MS,
  loadSigningKeys,
  type SigningKeySettings,
} from "./services/keys/signing-keys.js";
import { createLoginThrottle } from "./services/abuse/rate-limit/index.js";
import {
  createDatabaseChallengeStore,
  createMemoryChallengeStore,
  createRedisChallengeStore,
  type ChallengeStore,
} from "./store/challenges/index.js";
import {
  assertSchemaNotNewer,
  createDatabase,
  isForeignKeyViolation,
  isUniqueViolation,
  migrateToLatest,
  pendingMigrations,
  pingDatabase,
  type TesseraDatabase,
} from "./store/index.js";
import {
  counterFilePath,
  createDatabaseRateLimitStore,
  openCounterFile,
  createRedisRateLimitStore,
  type RateLimitStore,
} from "./store/rate-limit/index.js";
import { closeRedisClient, createRedisClient } from "./store/redis/client.js";
import type { SessionCache, SessionCacheLogger } from "./services/session-cache.js";
import { oidcRuntimeOptions, startSessionCache, stderrLogger } from "./runtime-parts.js";
import { sweepSessions } from "./services/sessions/ending.js";
import { startMailWorker, type MailWorker } from "./services/mail/queue.js";
import {
  createOutboxTransport,
  createSmtpTransport,
  type MailTransport,
} from "./services/mail/transport.js";
import { join } from "node:path";

/** How often old session records are swept. */
export const SESSION_SWEEP_INTERVAL_MS = 3_600_000;
export { SESSION_CHANNEL_START_WAIT_MS } from "./runtime-parts.js";

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
  /** false: no session cache (every request reads the database). Default: `config.sessionCache`. */
  sessionCache?: boolean;
  /** Where the session cache and the mail worker say what happened. Default: stderr. */
  logger?: SessionCacheLogger;
  /** Send mail here instead of the configured SMTP server or the outbox. */
  mailTransport?: MailTransport;
  /** How often the mail worker looks for due mail. Default DEFAULT_MAIL_POLL_INTERVAL_MS. */
  mailPollIntervalMs?: number;
  /**
   * false: the mail worker sends nothing on its own (operator commands: the server's worker
   * sends what they queue, and a command never claims the server's mail). Default true.
   */
  mailPolling?: boolean;
}

/** The running parts, with the database they run on. */
export interface TesseraRuntime extends Tessera {
  readonly config: TesseraConfig;
  readonly database: TesseraDatabase;
  /** The session cache, or null when disabled. */
  readonly sessionCache: SessionCache | null;
  /** The mail worker (`runOnce()` sends what is due now). */
  readonly mail: MailWorker;
}

/**
 * Opens the database (and Redis when configured), migrates, and returns the running parts.
 * `input` is a resolved configuration (`loadConfig`, `resolveConfig`), or typed options that
 * `resolveConfig` resolves through the configuration table (a field left out takes its
 * default; default `{}`: SQLite in ./data, a generated secret). `close()` closes what was
 * opened here, in reverse order; parts passed in `overrides` stay open. On a failure half-way,
 * what was opened is closed before the error is thrown.
 * @throws ConfigError listing every bad option.
 * @throws the driver's error when the database cannot be opened or migrated.
 */
export async function createTessera(
  input: TesseraConfig | TesseraOptions = {},
  overrides: TesseraOverrides = {},
): Promise<TesseraRuntime> {
  const config = isTesseraConfig(input) ? input : resolveConfig(input);
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const metrics = createMetrics();
    const countDatabaseError = (error: unknown) => {
      // A taken name or a vanished foreign row is an answer to the caller, not a database failure.
      if (!isUniqueViolation(error) && !isForeignKeyViolation(error)) metrics.databaseError();
    };
    const database =
      overrides.database ??
      (await createDatabase(config.databaseUrl, {
        onPoolError: countDatabaseError,
        onQueryError: countDatabaseError,
        acquireTimeoutMs: config.databaseAcquireTimeoutMs,
        statementTimeoutMs: config.databaseStatementTimeoutMs,
      }));
    if (database.poolStats !== undefined) metrics.watchPool(database.poolStats);
    if (overrides.database === undefined) closers.push(() => database.destroy());
    // An instance older than the schema must not run (it would misread newer tables).
    await assertSchemaNotNewer(database.db);
    await migrateToLatest(database.db);
    // The unknown-user dummy hash is made now, so the first unknown name costs no more than later ones.
    await prepareDummyPasswordHash(config.argon2);

    let rateLimitStore = overrides.rateLimitStore;
    let challenges = overrides.challengeStore;
    let redisPing: (() => Promise<unknown>) | null = null;
    let redis: ReturnType<typeof createRedisClient> | undefined;
    if (config.redisUrl !== null && (rateLimitStore === undefined || challenges === undefined)) {
      redis = createRedisClient(config.redisUrl);
      const client = redis;
      client.on("error", () => metrics.redisError());
      redisPing = () => client.ping();
      closers.push(() => closeRedisClient(client));
      rateLimitStore ??= createRedisRateLimitStore(client, {
        keyPrefix: REDIS_KEY_PREFIXES.rateLimit,
      });
      challenges ??= createRedisChallengeStore(client, { keyPrefix: REDIS_KEY_PREFIXES.challenge });
    }
    // Without Redis the counters live in the database, so a restart keeps every lock (issue 14
    // item 6); the memory store remains for host apps that pass it in.
    // On a SQLite file Tessera opened, in their own file with a cheaper durability (issue 20
    // item 1: no fsync per counter write; see store/rate-limit/counter-file.ts).
    const counterFile =
      rateLimitStore === undefined && overrides.database === undefined
        ? counterFilePath(config.databaseUrl)
        : null;
    if (counterFile !== null) {
      const counters = openCounterFile(counterFile);
      closers.push(async () => counters.close());
      rateLimitStore = counters.store;
    }
    rateLimitStore ??= createDatabaseRateLimitStore(database.db);
    // Without Redis: in memory on SQLite (one host, one process serves it; issue 14 item 9, no
    // rows from an unauthenticated endpoint), in the database on PostgreSQL, which several
    // instances may share.
    challenges ??=
      database.dialect === "sqlite"
        ? createMemoryChallengeStore()
        : createDatabaseChallengeStore(database.db);

    const clock = overrides.clock ?? systemClock;
    // Session tokens: the HS256 secret ring, or EdDSA/ES256 keys from the database; the OpenID
    // provider's ID tokens: RS256 keys in the same table (and the session keys when asymmetric).
    // Both reloaded every minute so a rotation on any instance (or by the CLI) reaches this one.
    const keySettings = signingKeySettings(config);
    const signingKeys = await loadSigningKeys(database.db, keySettings, clock);
    const oidcKeys = await loadOidcSigningKeys(database.db, keySettings, clock);
    const refresh = setInterval(() => {
      // A database blip keeps the keys this instance has; the next tick tries again.
      signingKeys.refresh().catch(() => undefined);
      oidcKeys.refresh().catch(() => undefined);
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

    const logger = overrides.logger ?? stderrLogger(config);
    const sessionCache =
      (overrides.sessionCache ?? config.sessionCache)
        ? await startSessionCache(config, database, logger, closers)
        : null;
    // Issue 12: the mail queue's worker. Without SMTP, mail lands in the outbox folder.
    if (config.smtpUrl === null && overrides.mailTransport === undefined && config.production) {
      logger.warn(
        `TESSERA_SMTP_URL is not set: mail is not delivered, only written to ${join(config.dataDir, "outbox")}`,
      );
    }
    const mail = startMailWorker({
      db: database.db,
      transport:
        overrides.mailTransport ??
        (config.smtpUrl === null
          ? createOutboxTransport(join(config.dataDir, "outbox"), config.mailFrom, logger)
          : createSmtpTransport(config.smtpUrl, config.mailFrom)),
      clock,
      logger,
      metrics,
      ...(overrides.mailPollIntervalMs === undefined
        ? {}
        : { pollIntervalMs: overrides.mailPollIntervalMs }),
      ...(overrides.mailPolling === undefined ? {} : { polling: overrides.mailPolling }),
    });
    closers.push(() => mail.close());
    let oidc: OidcRuntime | undefined;
    const hashGate = overrides.hashGate ?? createHashGate();
    const ctx = {
      sessionsChanged: (event: SessionEvent) => oidc?.sessionsChanged(event),
      db: database.db,
      settings,
      clock,
      throttle,
      hashGate,
      // Issue 20 item 5: new devices pay a proof of work while the gate is under pressure.
      ...(config.proofOfWork
        ? {
            proofOfWork: createProofOfWork({
              gate: hashGate,
              store: challenges,
              key: proofOfWorkKey(config.keyEncryptionSecret),
              clock,
            }),
          }
        : {}),
      mail,
      ...(sessionCache === null ? {} : { sessionCache }),
    };
    const sweep = () => void sweepSessions(ctx).catch(() => undefined);
    const sweeper = setInterval(sweep, SESSION_SWEEP_INTERVAL_MS);
    sweeper.unref();
    closers.push(() => Promise.resolve(clearInterval(sweeper)));
    sweep();
    // The audit trail's daily retention sweep and chain checkpoint.
    const auditSweeper = startAuditSweeper(ctx, config.auditRetentionDays, (error) => {
      process.emitWarning(`Audit retention sweep failed: ${String(error)}`);
    });
    closers.push(async () => auditSweeper.stop());
    if (config.oidc) {
      const provider = await startOidcRuntime(
        ctx,
        oidcRuntimeOptions(config, oidcKeys, redis, { store: rateLimitStore, clock }),
      );
      closers.push(() => provider.close());
      oidc = provider;
    }

    // Issue 22: the providers are read now and every few seconds; discovery waits for first use.
    const upstream = createUpstreamDependencies(
      database.db,
      keySettings,
      challenges,
      config.publicUrl,
    );

    return {
      config,
      settings,
      database,
      upstream,
      sessionCache,
      ctx,
      mail,
      metrics,
      signingKeys,
      oidcKeys,
      ...(oidc === undefined ? {} : { oidc }),
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

/** The signing-key settings a configuration gives (also used by `tessera keys`). */
export function signingKeySettings(config: TesseraConfig): SigningKeySettings {
  return {
    jwtAlgorithm: config.jwtAlgorithm,
    hmacKeys: config.jwtKeys,
    jwtValidityHours: config.jwtValidityHours,
    keyEncryptionKey: deriveKeyEncryptionKey(config.keyEncryptionSecret),
    // The default key-encryption secret is the JWT secret: keys sealed before its rotation
    // open with the previous ones (and are sealed again), so a rotation never stops a start.
    previousKeyEncryptionKeys: keyEncryptionFollowsJwtSecret(config)
      ? config.jwtKeys.verifying
          .slice(1)
          .flatMap((key) => ("secret" in key ? [deriveKeyEncryptionKey(key.secret)] : []))
      : [],
  };
}

/** Whether the key-encryption secret is the JWT secret (none of its own was given). */
function keyEncryptionFollowsJwtSecret(config: TesseraConfig): boolean {
  const signing = config.jwtKeys.signing;
  return "secret" in signing && signing.secret === config.keyEncryptionSecret;
}
