/**
 * Parts of the composition root (`runtime.ts`) that assemble one running part each from the
 * configuration: the session cache with its channel, the OpenID provider's options, the
 * upstream providers' dependencies, the logger of background work.
 */
import type { TesseraConfig } from "./config/index.js";
import type { Clock } from "./core/clock.js";
import { deriveKeyEncryptionKey } from "./core/key-encryption.js";
import { createOidcLimits } from "./services/abuse/rate-limit/index.js";
import { STABLE_STYLESHEET_PATH } from "./http/routes/pages.js";
import type { OidcSigningKeys } from "./services/keys/oidc-keys.js";
import type { OidcRuntimeOptions } from "./services/oidc/running.js";
import type { SigningKeySettings } from "./services/keys/signing-keys.js";
import { createUpstreamClients } from "./services/upstream/discovery.js";
import { createUpstreamRegistry } from "./services/upstream/providers.js";
import type { UpstreamDependencies } from "./services/upstream/types.js";
import type { ChallengeStore } from "./store/challenges/index.js";
import {
  createSessionCache,
  type SessionCache,
  type SessionCacheLogger,
  encodeSessionEvent,
  parseSessionEvent,
} from "./services/session-cache.js";
import type { TesseraDatabase } from "./store/index.js";
import type { RateLimitStore } from "./store/rate-limit/index.js";
import type { createRedisClient } from "./store/redis/client.js";
import {
  createPostgresSessionChannel,
  createRedisSessionChannel,
  createSqliteChangeWatcher,
  type SessionChannel,
  type SessionChannelHandlers,
} from "./store/session-channel.js";

/** How long `createTessera` waits for the session channel before serving (uncached meanwhile). */
export const SESSION_CHANNEL_START_WAIT_MS = 2_000;

/**
 * What the OpenID provider of an instance is made from (issue 21). Not in the package's types
 * (they would pull in oidc-provider's and Koa's).
 * @internal
 */
export function oidcRuntimeOptions(
  config: TesseraConfig,
  keys: OidcSigningKeys,
  redis: ReturnType<typeof createRedisClient> | undefined,
  limits: { store: RateLimitStore; clock: Clock },
): OidcRuntimeOptions {
  return {
    issuer: config.publicUrl,
    appName: config.appName,
    // The pages plugin (registered by the standalone server) serves it.
    stylesheet: STABLE_STYLESHEET_PATH,
    behindProxy: config.trustedProxies.length > 0,
    accessTokenMinutes: config.oidcAccessTokenMinutes,
    refreshTokenDays: config.oidcRefreshTokenDays,
    refreshGraceSeconds: config.oidcRefreshGraceSeconds,
    sessionHours: config.jwtValidityHours,
    registration: config.oidcRegistration,
    registrationToken: config.oidcRegistrationToken,
    keyEncryptionKey: deriveKeyEncryptionKey(config.keyEncryptionSecret),
    keys,
    redis,
    limits: createOidcLimits({
      ...limits,
      clientRequestsPerMinute: config.oidcClientRequestsPerMinute,
      unknownClientRequestsPerMinute: config.oidcUnknownClientRequestsPerMinute,
    }),
    onError: (error) => process.emitWarning(`OpenID provider: ${String(error)}`),
  };
}

export function stderrLogger(config: TesseraConfig): SessionCacheLogger {
  const quiet = config.logLevel === "silent";
  return {
    warn: (message) => {
      if (!quiet) console.warn(`tessera: ${message}`);
    },
    info: (message) => {
      if (!quiet) console.info(`tessera: ${message}`);
    },
  };
}

/**
 * The session cache and the channel that keeps it right: Redis when configured, else
 * PostgreSQL LISTEN/NOTIFY, else SQLite's change counter. Waits up to
 * SESSION_CHANNEL_START_WAIT_MS for the channel (the cache is bypassed until it is up).
 */
export async function startSessionCache(
  config: TesseraConfig,
  database: TesseraDatabase,
  logger: SessionCacheLogger,
  closers: Array<() => Promise<void>>,
): Promise<SessionCache> {
  const cache = createSessionCache({ logger });
  let markUp: () => void = () => undefined;
  const up = new Promise<void>((resolve) => {
    markUp = resolve;
  });
  const handlers: SessionChannelHandlers = {
    onMessage: (payload) => cache.apply(parseSessionEvent(payload)),
    onUp: () => {
      cache.channelUp();
      markUp();
    },
    onDown: (reason) => cache.channelDown(reason),
  };
  let channel: SessionChannel;
  if (config.redisUrl !== null) {
    channel = createRedisSessionChannel(config.redisUrl, handlers);
  } else if (database.dialect === "postgres") {
    const url =
      database.url ?? (/^postgres/i.test(config.databaseUrl) ? config.databaseUrl : undefined);
    if (url === undefined) throw new TypeError("PostgreSQL database without a URL to LISTEN on");
    channel = createPostgresSessionChannel(url, database.db, handlers);
  } else {
    channel = createSqliteChangeWatcher(database.db, handlers);
  }
  closers.push(() => channel.close());
  cache.publisher = { publish: (event) => channel.publish(encodeSessionEvent(event)) };
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    up,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SESSION_CHANNEL_START_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  return cache;
}

/**
 * What the upstream sign-in needs (issue 22): the providers' registry over the database, the
 * openid-client clients (discovery at first use, so an upstream that is down never stops a
 * start), the challenge store for single use, and the key-encryption keys.
 */
export function createUpstreamDependencies(
  db: TesseraDatabase["db"],
  keys: Pick<SigningKeySettings, "keyEncryptionKey" | "previousKeyEncryptionKeys">,
  challenges: ChallengeStore,
  publicUrl: string,
): UpstreamDependencies {
  return {
    registry: createUpstreamRegistry({ db }, keys),
    clients: createUpstreamClients(),
    challenges,
    keyEncryptionKey: keys.keyEncryptionKey,
    previousKeyEncryptionKeys: keys.previousKeyEncryptionKeys,
    publicUrl: publicUrl.replace(/\/$/, ""),
  };
}
