/**
 * `store/redis/`: the Redis connection every Redis user of the store shares (the rate-limit and
 * challenge stores, the session channel). This file is the ioredis client, with bounded connect
 * and command times; `types.ts` holds Tessera's own Redis types, so ioredis's stay out of the
 * public surface (`fastify.ts` exports `createRedisClient` as a `RedisConnection`).
 */
import { Redis } from "ioredis";
import type { RedisClientOptions } from "./types.js";

/** Give up connecting after this long (ioredis default 10 s: too long for a login request). */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 5_000;
/** A command without a reply after this long fails, so a hung Redis gives a 503, not a hang. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2_000;
/** Longest wait between reconnection attempts. */
export const DEFAULT_REDIS_MAX_RECONNECT_DELAY_MS = 2_000;
/** How long `closeRedisClient` waits for a clean `QUIT` before dropping the socket. */
export const DEFAULT_REDIS_CLOSE_TIMEOUT_MS = 1_000;

/**
 * Makes an ioredis client for `url` (`redis://` or `rediss://`) with bounded connect and
 * command times: while Redis is down, commands fail after one reconnection attempt instead of
 * queueing for ever. Close it with `closeRedisClient`.
 * @throws TypeError when `url` is not a redis:// or rediss:// URL.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  if (!/^rediss?:\/\/./.test(url)) {
    throw new TypeError("Redis URL: expected redis://… or rediss://…");
  }
  const redis = new Redis(url, {
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
    lazyConnect: options.lazyConnect ?? true,
    // Fail a pending command after one reconnection attempt: the throttle fails closed (503).
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, DEFAULT_REDIS_MAX_RECONNECT_DELAY_MS),
  });
  redis.on("error", options.onError ?? (() => undefined));
  return redis;
}

/**
 * Closes a client and waits until its socket is closed: `QUIT` when connected (pending replies
 * arrive first), dropping the connection if that takes over `timeoutMs` (default
 * `DEFAULT_REDIS_CLOSE_TIMEOUT_MS`) or if it is not connected. Never throws.
 */
export async function closeRedisClient(
  redis: Redis,
  timeoutMs = DEFAULT_REDIS_CLOSE_TIMEOUT_MS,
): Promise<void> {
  if (redis.status !== "ready") {
    // Never connected, closed, or retrying a dead server: nothing to flush.
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  // QUIT resolves at Redis's "OK"; the socket closes ("end") just after.
  const ended = new Promise<void>((resolve) => redis.once("end", () => resolve()));
  try {
    await Promise.race([
      redis.quit().then(() => ended),
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error("QUIT timed out")), timeoutMs);
      }),
    ]);
  } catch {
    redis.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
