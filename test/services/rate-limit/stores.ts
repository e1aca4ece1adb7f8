/**
 * The rate-limit stores every behaviour test loops over: memory, and a real Redis at
 * `TESSERA_TEST_REDIS_URL` (default redis://127.0.0.1:6379) under a random key prefix per test
 * file, deleted afterwards. Outside CI an unreachable Redis skips its tests with a printed
 * reason; with CI=true it fails the file.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import {
  createMemoryRateLimitStore,
  type RateLimitStore,
} from "../../../src/services/rate-limit/index.js";
import {
  closeRedisClient,
  createRedisClient,
  createRedisRateLimitStore,
} from "../../../src/store/redis.js";

export const TEST_REDIS_URL = process.env.TESSERA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface StoreKind {
  readonly name: "memory" | "redis";
  /** Why this kind's tests are skipped, or null when they run. */
  readonly skipReason: string | null;
  /** A fresh, empty store. */
  make(): RateLimitStore;
  /**
   * Two "instances" sharing counters: for Redis two stores on two separate connections, for
   * memory the same store twice (one process).
   */
  makeShared(): Promise<[RateLimitStore, RateLimitStore]>;
}

export interface StoreHarness {
  readonly kinds: readonly StoreKind[];
  /** The Redis prefix of this file (every key made here starts with it). */
  readonly redisPrefix: string;
  /** A new connection to the test Redis, closed by `cleanup`. */
  connect(): Promise<Redis>;
  /** Deletes this file's Redis keys and closes every connection. */
  cleanup(): Promise<void>;
}

async function probeRedis(): Promise<string | null> {
  const probe = createRedisClient(TEST_REDIS_URL, { connectTimeoutMs: 1_000 });
  try {
    await probe.ping();
    return null;
  } catch (error) {
    return `Redis at ${TEST_REDIS_URL} is unreachable (${(error as Error).message})`;
  } finally {
    await closeRedisClient(probe);
  }
}

/** Builds the harness for one test file; `fileTag` names the file in its key prefix. */
export async function createStoreHarness(fileTag: string): Promise<StoreHarness> {
  const redisPrefix = `tessera-test:${fileTag}:${randomUUID()}:`;
  const unreachable = await probeRedis();
  if (unreachable !== null) {
    if (process.env.CI === "true") throw new Error(`${unreachable}; CI requires it`);
    console.warn(`Skipping the Redis rate-limit tests of ${fileTag}: ${unreachable}`);
  }

  const clients: Redis[] = [];
  async function connect(): Promise<Redis> {
    const client = createRedisClient(TEST_REDIS_URL);
    clients.push(client);
    await client.connect();
    return client;
  }
  let main: Redis | null = null;
  if (unreachable === null) main = await connect();

  const memory: StoreKind = {
    name: "memory",
    skipReason: null,
    make: () => createMemoryRateLimitStore(),
    makeShared: async () => {
      const store = createMemoryRateLimitStore();
      return [store, store];
    },
  };
  const redis: StoreKind = {
    name: "redis",
    skipReason: unreachable,
    make: () => {
      if (main === null) throw new Error(unreachable ?? "Redis not connected");
      return createRedisRateLimitStore(main, { keyPrefix: `${redisPrefix}${randomUUID()}:` });
    },
    makeShared: async () => {
      const keyPrefix = `${redisPrefix}${randomUUID()}:`;
      const [a, b] = [await connect(), await connect()];
      return [
        createRedisRateLimitStore(a, { keyPrefix }),
        createRedisRateLimitStore(b, { keyPrefix }),
      ];
    },
  };

  return {
    kinds: [memory, redis],
    redisPrefix,
    connect,
    async cleanup() {
      if (main !== null) {
        let cursor = "0";
        do {
          const [next, keys] = await main.scan(cursor, "MATCH", `${redisPrefix}*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) await main.del(...keys);
        } while (cursor !== "0");
      }
      await Promise.all(clients.map((client) => closeRedisClient(client)));
    },
  };
}
