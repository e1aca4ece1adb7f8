/**
 * The standalone server: Fastify with the Tessera plugin over the configured database,
 * rate-limit store (memory, or Redis when configured), OpenAPI at `/openapi.json` and a
 * browsable UI at `/docs`.
 */
import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import { systemClock, type Clock } from "../core/clock.js";
import { prepareDummyPasswordHash } from "../core/password.js";
import type { TesseraConfig } from "../config.js";
import {
  createLoginThrottle,
  createMemoryRateLimitStore,
  type RateLimitStore,
} from "../services/rate-limit/index.js";
import { createDatabase, migrateToLatest, type TesseraDatabase } from "../store/index.js";
import { closeRedisClient, createRedisClient, createRedisRateLimitStore } from "../store/redis.js";
import {
  createDatabaseChallengeStore,
  createRedisChallengeStore,
  type ChallengeStore,
} from "../store/challenge-store.js";
import type { AuthenticationOptions } from "./authentication.js";
import { installErrorHandler, installNotFoundHandler } from "./error-handler.js";
import { registerOpenApi } from "./openapi.js";
import { tessera } from "./plugin.js";
import { pageRoutes } from "./routes/pages.js";

/** Router options of the server: the authentication middleware matches on the same path. */
const ROUTER_OPTIONS = {
  ignoreDuplicateSlashes: false,
  ignoreTrailingSlash: false,
  caseSensitive: true,
  // Passkey credential ids go in paths: up to 1023 bytes (W3C WebAuthn §5.1), 1364 base64url characters.
  maxParamLength: 1400,
};

export interface BuildAppOptions {
  /** Use this database instead of opening `config.databaseUrl` (it is not closed with the app). */
  database?: TesseraDatabase;
  /** Use this rate-limit store instead of memory/Redis from the config. */
  rateLimitStore?: RateLimitStore;
  /** Use this WebAuthn challenge store instead of the database/Redis from the config. */
  challengeStore?: ChallengeStore;
  clock?: Clock;
  /** Extra middleware options (the server already excludes `/docs`). */
  authentication?: AuthenticationOptions;
  /** Pino logger options, or false. Default: `config.logLevel`, secrets redacted. */
  logger?: boolean | Record<string, unknown>;
}

/** Builds the server app (migrations run first). Call `listen()` on the result. */
export async function buildApp(
  config: TesseraConfig,
  options: BuildAppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? {
      level: config.logLevel,
      // No token, cookie or password ever reaches a log line.
      redact: [
        "req.headers.authorization",
        "req.headers.cookie",
        "req.headers.token",
        'res.headers["set-cookie"]',
      ],
    },
    bodyLimit: config.maxBodyBytes,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    routerOptions: ROUTER_OPTIONS,
    // Wrong types are errors, not silently coerced; unknown fields are dropped (the seed's
    // clients may send more than we read).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: true, allErrors: false } },
    return503OnClosing: true,
  });
  installErrorHandler(app);
  installNotFoundHandler(app);

  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await createDatabase(config.databaseUrl));
  await migrateToLatest(database.db);
  // The unknown-user dummy hash is made now, so the first unknown name costs no more than later ones.
  await prepareDummyPasswordHash(config.argon2);

  // Several instances share rate limits and WebAuthn challenges through Redis when it is set;
  // a single instance keeps counters in memory and challenges in the database.
  let store = options.rateLimitStore;
  let challenges = options.challengeStore;
  let closeRedis: (() => Promise<void>) | undefined;
  if (config.redisUrl !== null && (store === undefined || challenges === undefined)) {
    const redis = createRedisClient(config.redisUrl);
    store ??= createRedisRateLimitStore(redis, { keyPrefix: "tessera:rl:" });
    challenges ??= createRedisChallengeStore(redis, { keyPrefix: "tessera:challenge:" });
    closeRedis = () => closeRedisClient(redis);
  }
  store ??= createMemoryRateLimitStore();
  challenges ??= createDatabaseChallengeStore(database.db);
  const clock = options.clock ?? systemClock;
  const throttle = createLoginThrottle({
    store,
    clock,
    addressPolicy: {
      kind: "window",
      maxFailures: config.addressMaxFailures,
      windowMs: config.addressWindowMinutes * 60_000,
    },
  });

  app.addHook("onClose", async () => {
    await closeRedis?.();
    if (ownsDatabase) await database.destroy();
  });

  await registerOpenApi(app, { publicUrl: config.publicUrl });
  await app.register(websocket);

  await app.register(tessera, {
    database,
    settings: config,
    throttle,
    clock,
    cookie: { secure: config.secureCookie },
    allowedOrigins: config.allowedOrigins,
    routerOptions: ROUTER_OPTIONS,
    webauthn: {
      rp: {
        id: config.webauthn.rpId,
        name: config.webauthn.rpName,
        origins: config.webauthn.origins,
      },
      challenges,
    },
    authentication: {
      ...options.authentication,
      exclude: ["/docs", ...toList(options.authentication?.exclude)],
    },
  });

  await app.register(pageRoutes);
  return app;
}

function toList(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === "string" ? [value] : [...value];
}
