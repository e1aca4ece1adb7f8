/**
 * The rate-limit stores every behaviour test loops over: memory, and a real Redis at
 * `TESSERA_TEST_REDIS_URL` (default redis://127.0.0.1:6379) under a random key prefix per test
 * file, deleted afterwards. Outside CI an unreachable Redis skips its tests with a printed
 * reason; with CI=true it fails the file.
 */
import type { Redis } from "ioredis";
import {
  createMemoryRateLimitStore,
  type RateLimitStore,
} from "../../src/services/rate-limit/index.js";
import { createRedisRateLimitStore } from "../../src/store/redis.js";
import { openTestRedis, redisSkipReason, type TestRedis } from "./redis.js";

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

/** Builds the harness for one test file; `fileTag` names the file in its key prefix. */
export async function createStoreHarness(fileTag: string): Promise<StoreHarness> {
  const unreachable = await redisSkipReason(`the rate-limit stores of ${fileTag}`);
  const redis: TestRedis | null = unreachable === null ? openTestRedis(fileTag) : null;
  if (redis !== null) await redis.client.connect();

  const memory: StoreKind = {
    name: "memory",
    skipReason: null,
    make: () => createMemoryRateLimitStore(),
    makeShared: async () => {
      const store = createMemoryRateLimitStore();
      return [store, store];
    },
  };
  const redisKind: StoreKind = {
    name: "redis",
    skipReason: unreachable,
    make: () => {
      if (redis === null) throw new Error(unreachable ?? "Redis not connected");
      return createRedisRateLimitStore(redis.client, { keyPrefix: redis.subPrefix() });
    },
    makeShared: async () => {
      if (redis === null) throw new Error(unreachable ?? "Redis not connected");
      const keyPrefix = redis.subPrefix();
      const [a, b] = [await redis.connect(), await redis.connect()];
      return [
        createRedisRateLimitStore(a, { keyPrefix }),
        createRedisRateLimitStore(b, { keyPrefix }),
      ];
    },
  };

  return {
    kinds: [memory, redisKind],
    redisPrefix: redis?.keyPrefix ?? `tessera-test:${fileTag}:unreachable:`,
    connect: async () => {
      if (redis === null) throw new Error(unreachable ?? "Redis not connected");
      return redis.connect();
    },
    cleanup: async () => {
      await redis?.cleanup();
    },
  };
}
