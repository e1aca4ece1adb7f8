/**
 * `store/rate-limit/`: where the failure counters of the abuse limits live. The port
 * (`types.ts`: `RateLimitStore`) and one file per implementation: `memory.ts` (this process,
 * the default of a single instance), `database.ts` (the `rate_limit_counters` table, shared by
 * instances without Redis) and `redis.ts` (Lua scripts, shared through Redis). All three apply
 * the arithmetic of `core/rate-limit.ts`. `counter-file.ts`: on SQLite, the counters' own file
 * with a cheaper durability (`synchronous = NORMAL`), whose store (`sqlite-file.ts`) runs each
 * operation as one synchronous transaction on the file's connection.
 */
export type { RateLimitEntry, RateLimitStore, ReserveResult } from "./types.js";
export {
  DEFAULT_MEMORY_MAX_KEYS,
  DEFAULT_MEMORY_SWEEP_INTERVAL_MS,
  createMemoryRateLimitStore,
} from "./memory.js";
export type { MemoryRateLimitStore, MemoryRateLimitStoreOptions } from "./memory.js";
export { DEFAULT_DATABASE_SWEEP_INTERVAL_MS, createDatabaseRateLimitStore } from "./database.js";
export type { DatabaseRateLimitStoreOptions } from "./database.js";
export { counterFilePath, openCounterFile } from "./counter-file.js";
export type { CounterFile } from "./counter-file.js";
export { DEFAULT_REDIS_RATE_LIMIT_KEY_PREFIX, createRedisRateLimitStore } from "./redis.js";
export type { RedisRateLimitStoreOptions } from "./redis.js";
