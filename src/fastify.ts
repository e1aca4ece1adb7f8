/**
 * `tessera/fastify`: the Fastify side of Tessera for host apps — the composition root
 * (`createTessera`), the plugin with the seed's routes and authentication middleware, the
 * middleware alone, and the standalone app.
 */
import type { RedisClientOptions, RedisConnection } from "./store/redis/types.js";
import { createRedisClient as createIoRedisClient } from "./store/redis/client.js";

export { tessera } from "./http/plugin.js";
export type { TesseraPluginOptions } from "./http/plugin.js";
export {
  authentication,
  createRequestAuthenticator,
  readToken,
  DEFAULT_EXCLUDE_FROM_AUTH_KEY,
  DEFAULT_EXCLUDE_HTTP_METHODS,
  DEFAULT_SCOPES,
  TOKEN_COOKIE,
} from "./http/authentication.js";
export type {
  AuthenticationOptions,
  AuthenticationDependencies,
  AuthenticationResult,
  AuthenticationScope,
  AuthenticatedUser,
} from "./http/authentication.js";
export { requireUser, requireAuthenticated, isAuthenticated } from "./http/require-user.js";
export type { AuthenticatedRequest } from "./http/require-user.js";
export { buildApp } from "./http/app.js";
export type { BuildAppOptions } from "./http/app.js";
export { ERROR_STATUS } from "./http/error-status.js";
export { loadConfig, resolveConfig, ConfigError, ENVIRONMENT } from "./config/index.js";
export type {
  TesseraConfig,
  TesseraOptions,
  EnvironmentVariable,
  LoadConfigOptions,
} from "./config/index.js";
export { createTessera, REDIS_KEY_PREFIXES } from "./runtime.js";
export type { TesseraOverrides, TesseraRuntime } from "./runtime.js";
export type { ServiceContext, ServiceSettings } from "./services/context.js";
export type { Tessera } from "./http/tessera.js";
export type { HttpSettings } from "./http/settings.js";
export type { PasskeyDependencies } from "./services/factors/passkeys/index.js";
export type { AuthenticatedSession } from "./services/sessions/sessions.js";
export type { PublicUser } from "./services/users-view.js";
export { createUser } from "./services/account/users.js";
export type { CreateUserInput } from "./services/account/users.js";
export {
  createDatabase,
  migrateToLatest,
  getUserByNameOrMail,
  getUserById,
  listAuditEvents,
} from "./store/index.js";
export type { User, AuditEvent, ListAuditEventsOptions } from "./store/index.js";
export type { TesseraDatabase } from "./store/index.js";
export { createLoginThrottle } from "./services/abuse/rate-limit/index.js";
export type { LoginThrottle } from "./services/abuse/rate-limit/index.js";
export { createMemoryRateLimitStore, createRedisRateLimitStore } from "./store/rate-limit/index.js";
export type { RateLimitStore } from "./store/rate-limit/index.js";
export type { RedisClientOptions, RedisCommands, RedisConnection } from "./store/redis/types.js";
/**
 * Makes an ioredis client for `url` with bounded connect and command times, for
 * `createRedisRateLimitStore` and `createRedisChallengeStore`. Typed as Tessera's
 * `RedisConnection`, not ioredis's `Redis`, so these declarations import no driver's types.
 * @throws TypeError when `url` is not a redis:// or rediss:// URL.
 */
export const createRedisClient: (url: string, options?: RedisClientOptions) => RedisConnection =
  createIoRedisClient;
export type { ChallengeStore, StoredChallenge } from "./store/challenges/index.js";
export {
  createDatabaseChallengeStore,
  createRedisChallengeStore,
} from "./store/challenges/index.js";
