/**
 * The test Redis (`TESSERA_TEST_REDIS_URL`, default redis://127.0.0.1:6379), shared by parallel
 * test files: each caller gets its own random key prefix, and `cleanup()` deletes its keys and
 * closes its connections. `redisSkipReason()` says why Redis tests cannot run here (outside CI
 * only: with CI=true an unreachable Redis fails the run).
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { closeRedisClient, createRedisClient } from "../../src/store/redis/client.js";

export const TEST_REDIS_URL = process.env.TESSERA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const PROBE_TIMEOUT_MS = 1_000;
const inCi = /^(1|true|yes)$/i.test(process.env.CI ?? "");

/**
 * Why the Redis tests of `what` are skipped (the warning is printed), or null when Redis
 * answers. Throws in CI, where an unreachable Redis must fail the run.
 */
export async function redisSkipReason(what: string): Promise<string | null> {
  const probe = createRedisClient(TEST_REDIS_URL, { connectTimeoutMs: PROBE_TIMEOUT_MS });
  let unreachable: string | null = null;
  try {
    await probe.ping();
  } catch (error) {
    unreachable = `Redis at ${TEST_REDIS_URL} is unreachable (${(error as Error).message})`;
  } finally {
    await closeRedisClient(probe);
  }
  if (unreachable === null) return null;
  if (inCi) throw new Error(`${unreachable}; CI requires it`);
  console.warn(`Skipping the Redis tests of ${what}: ${unreachable}`);
  return unreachable;
}

/** A connection to the test Redis with a key prefix of its own. */
export interface TestRedis {
  /** The main connection (connected lazily by the first command). */
  readonly client: Redis;
  /** `tessera-test:<tag>:<uuid>:`; every key the caller writes must start with it. */
  readonly keyPrefix: string;
  /** A fresh sub-prefix under `keyPrefix`, for one store or one test. */
  subPrefix(): string;
  /** Another, already connected, connection (a second "instance"), closed by `cleanup`. */
  connect(): Promise<Redis>;
  /** Deletes every key under `keyPrefix` and closes every connection. */
  cleanup(): Promise<void>;
}

/** Opens the test Redis under a new prefix; `tag` names the caller in the keys. */
export function openTestRedis(tag: string): TestRedis {
  const keyPrefix = `tessera-test:${tag}:${randomUUID()}:`;
  const client = createRedisClient(TEST_REDIS_URL);
  const others: Redis[] = [];
  return {
    client,
    keyPrefix,
    subPrefix: () => `${keyPrefix}${randomUUID()}:`,
    async connect() {
      const other = createRedisClient(TEST_REDIS_URL);
      others.push(other);
      await other.connect();
      return other;
    },
    async cleanup() {
      try {
        // A client never used ("wait") wrote nothing: no need to connect just to clean up.
        if (client.status !== "wait" || others.length > 0) await deleteKeys(client, keyPrefix);
      } finally {
        await Promise.all([client, ...others].map((each) => closeRedisClient(each)));
      }
    },
  };
}

/** SCAN, not KEYS: the test Redis is shared with other files running at the same time. */
async function deleteKeys(client: Redis, keyPrefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${keyPrefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== "0");
}
