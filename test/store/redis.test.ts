import fc from "fast-check";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FailurePolicy } from "../../src/services/abuse/rate-limit/index.js";
import { closeRedisClient, createRedisClient } from "../../src/store/redis/client.js";
import {
  DEFAULT_REDIS_RATE_LIMIT_KEY_PREFIX,
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  type RateLimitStore,
} from "../../src/store/rate-limit/index.js";
import { createStoreHarness } from "../helpers/rate-limit-stores.js";
import { TEST_REDIS_URL } from "../helpers/redis.js";

const harness = await createStoreHarness("redis");
afterAll(() => harness.cleanup());
const redisKind = harness.kinds.find((kind) => kind.name === "redis");
const skipReason = redisKind === undefined ? "no Redis store kind" : redisKind.skipReason;

const NOW_MS = Date.UTC(2030, 0, 1);
const PROGRESSIVE: FailurePolicy = {
  kind: "progressive",
  freeFailures: 2,
  baseDelayMs: 1_000,
  maxDelayMs: 8_000,
  retentionMs: 60_000,
};
const WINDOW: FailurePolicy = { kind: "window", maxFailures: 3, windowMs: 5_000 };

describe("createRedisClient", () => {
  it("refuses a URL that is not redis:// or rediss://", () => {
    for (const url of ["http://127.0.0.1:6379", "127.0.0.1:6379", "", "redis://"]) {
      expect(() => createRedisClient(url)).toThrow(TypeError);
    }
  });

  it("does no I/O until the first command, and closes a never-used client at once", async () => {
    const redis = createRedisClient("redis://127.0.0.1:1");
    expect(redis.status).toBe("wait");
    await closeRedisClient(redis);
    expect(redis.status).toBe("end");
  });

  it("rejects commands promptly while Redis is unreachable instead of queueing them", async () => {
    const redis = createRedisClient("redis://127.0.0.1:1", {
      connectTimeoutMs: 500,
      commandTimeoutMs: 300,
    });
    try {
      const store = createRedisRateLimitStore(redis);
      await expect(store.recordFailure("account:a", PROGRESSIVE, NOW_MS)).rejects.toThrow();
      await expect(store.get("account:a", NOW_MS)).rejects.toThrow();
      await expect(store.reset("account:a")).rejects.toThrow();
    } finally {
      await closeRedisClient(redis);
    }
  });

  it("uses a Tessera-specific default key prefix", () => {
    expect(DEFAULT_REDIS_RATE_LIMIT_KEY_PREFIX).toBe("tessera:rate-limit:");
  });
});

describe.skipIf(skipReason !== null)("the Redis rate-limit store", () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await harness.connect();
  });

  function makeStore(): { store: RateLimitStore; prefix: string } {
    const prefix = `${harness.redisPrefix}${Math.random().toString(36).slice(2)}:`;
    return { store: createRedisRateLimitStore(redis, { keyPrefix: prefix }), prefix };
  }

  it("connects to the test Redis and closes it cleanly", async () => {
    const client = createRedisClient(TEST_REDIS_URL);
    expect(await client.ping()).toBe("PONG");
    await closeRedisClient(client);
    expect(client.status).toBe("end");
    // Closing twice is harmless.
    await closeRedisClient(client);
  });

  it("writes one hash under the prefix with a Redis expiry for garbage collection", async () => {
    const { store, prefix } = makeStore();
    await store.recordFailure("account:a", PROGRESSIVE, NOW_MS);
    await store.recordFailure("address:b", WINDOW, NOW_MS);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.sort()).toEqual([`${prefix}account:a`, `${prefix}address:b`]);
    expect(await redis.type(`${prefix}account:a`)).toBe("hash");
    const accountTtl = await redis.pttl(`${prefix}account:a`);
    expect(accountTtl).toBeGreaterThan(0);
    expect(accountTtl).toBeLessThanOrEqual(60_000);
    const addressTtl = await redis.pttl(`${prefix}address:b`);
    expect(addressTtl).toBeGreaterThan(0);
    expect(addressTtl).toBeLessThanOrEqual(5_000);
    await store.reset("account:a");
    expect(await redis.exists(`${prefix}account:a`)).toBe(0);
  });

  it("takes the time from the caller, not from Redis, at any date", async () => {
    const { store } = makeStore();
    // 1970, 2100 and the last millisecond a Date can hold: Lua must not print 8.64e+15.
    for (const nowMs of [0, 4_102_444_800_000, 8_640_000_000_000_000 - 10_000]) {
      const key = `account:${nowMs}`;
      await store.recordFailure(key, PROGRESSIVE, nowMs);
      expect(await store.recordFailure(key, PROGRESSIVE, nowMs)).toEqual({
        failures: 2,
        lockedUntilMs: nowMs + 1_000,
      });
      expect(await store.get(key, nowMs + 999)).toEqual({
        failures: 2,
        lockedUntilMs: nowMs + 1_000,
      });
      expect(await store.get(key, nowMs + 60_000)).toBeNull();
    }
  });

  it("refuses a corrupt record instead of treating it as no failures", async () => {
    const { store, prefix } = makeStore();
    await redis.hset(`${prefix}account:a`, {
      failures: "many",
      lockedUntilMs: "0",
      expiresAtMs: String(NOW_MS + 60_000),
    });
    await expect(store.get("account:a", NOW_MS)).rejects.toThrow(/Corrupt/);
    await expect(store.recordFailure("account:a", PROGRESSIVE, NOW_MS)).rejects.toThrow(/corrupt/);
    await redis.set(`${prefix}account:b`, "not a hash");
    await expect(store.get("account:b", NOW_MS)).rejects.toThrow(/WRONGTYPE/);
    await expect(store.recordFailure("account:b", PROGRESSIVE, NOW_MS)).rejects.toThrow(
      /WRONGTYPE/,
    );
  });

  it("agrees with the memory store on every sequence of failures, reads, resets and waits", async () => {
    type Operation =
      | { op: "fail"; key: number; policy: number }
      | { op: "get"; key: number }
      | { op: "reset"; key: number }
      | { op: "wait"; ms: number };
    const policies: FailurePolicy[] = [PROGRESSIVE, WINDOW];
    const operation = fc.oneof(
      fc.record({ op: fc.constant("fail" as const), key: fc.nat(2), policy: fc.nat(1) }),
      fc.record({ op: fc.constant("get" as const), key: fc.nat(2) }),
      fc.record({ op: fc.constant("reset" as const), key: fc.nat(2) }),
      fc.record({
        op: fc.constant("wait" as const),
        ms: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.constantFrom(5_000, 8_000, 60_000)),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 40 }), async (operations: Operation[]) => {
        const memory = createMemoryRateLimitStore();
        const { store } = makeStore();
        let nowMs = NOW_MS;
        for (const step of operations) {
          if (step.op === "wait") {
            nowMs += step.ms;
            continue;
          }
          // Keys 0-1 always get the progressive policy and key 2 the window one, as in use.
          const key = `k${step.key}`;
          const policy = policies[step.key === 2 ? 1 : 0] ?? PROGRESSIVE;
          if (step.op === "fail") {
            expect(await store.recordFailure(key, policy, nowMs)).toEqual(
              await memory.recordFailure(key, policy, nowMs),
            );
          } else if (step.op === "get") {
            expect(await store.get(key, nowMs)).toEqual(await memory.get(key, nowMs));
          } else {
            await store.reset(key);
            await memory.reset(key);
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
