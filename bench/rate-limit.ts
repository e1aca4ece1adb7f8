/**
 * The cost of counting one failed login (issue 14 item 6): `reserveLoginAttempt` (three
 * counters: the account's fast lock, its ceiling and the address) per second on each store:
 * memory, the database (SQLite file, PostgreSQL) and Redis, next to one Argon2id verification
 * with the default parameters, which every failed login also pays. Distinct accounts and
 * addresses, so no reservation is refused.
 *
 *   npx tsx bench/rate-limit.ts      (TESSERA_BENCH_SECONDS=2 per row by default)
 *
 * Loopback services only; never part of the test suite.
 */
import { randomUUID } from "node:crypto";
import { DEFAULT_ARGON2_OPTIONS, hashPassword, verifyPassword } from "../src/core/password.js";
import { createLoginThrottle } from "../src/services/abuse/rate-limit/index.js";
import {
  createDatabaseRateLimitStore,
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  type RateLimitStore,
} from "../src/store/rate-limit/index.js";
import { closeRedisClient, createRedisClient } from "../src/store/redis/client.js";
import { TEST_DIALECTS, openTestDatabase } from "../test/helpers/database.js";
import { TEST_REDIS_URL } from "../test/helpers/redis.js";

const SECONDS = Number(process.env.TESSERA_BENCH_SECONDS ?? 2);

/** Calls per second of `call`, `concurrency` in flight, for SECONDS. */
async function measure(
  call: (i: number) => Promise<unknown>,
  concurrency: number,
): Promise<number> {
  let calls = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < deadline; i += concurrency) {
        await call(i);
        calls += 1;
      }
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

let runs = 0;

async function reservationsPerSecond(store: RateLimitStore, concurrency: number): Promise<number> {
  const throttle = createLoginThrottle({ store });
  const run = randomUUID();
  runs += 1;
  const network = runs.toString(16);
  // A /64 of its own per attempt (the address bucket), new accounts: nothing is ever refused.
  return measure(
    (i) =>
      throttle.reserveLoginAttempt({
        accountKey: `${run}:${i}`,
        address: `2001:${network}:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`,
      }),
    concurrency,
  );
}

const rows: { store: string; concurrency: number; perSecond: number }[] = [];
const stores: { name: string; open: () => Promise<[RateLimitStore, () => Promise<void>]> }[] = [
  { name: "memory", open: async () => [createMemoryRateLimitStore(), async () => {}] },
];
for (const dialect of TEST_DIALECTS) {
  stores.push({
    name: `${dialect} database`,
    open: async () => {
      const database = await openTestDatabase(dialect);
      return [createDatabaseRateLimitStore(database.db), () => database.cleanup()];
    },
  });
}
stores.push({
  name: "redis",
  open: async () => {
    const redis = createRedisClient(TEST_REDIS_URL);
    const keyPrefix = `tessera-bench:${randomUUID()}:`;
    return [
      createRedisRateLimitStore(redis, { keyPrefix }),
      async () => {
        const keys = await redis.keys(`${keyPrefix}*`);
        for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
        await closeRedisClient(redis);
      },
    ];
  },
});

for (const { name, open } of stores) {
  const [store, close] = await open();
  try {
    for (const concurrency of [1, 8]) {
      rows.push({
        store: name,
        concurrency,
        perSecond: await reservationsPerSecond(store, concurrency),
      });
    }
  } catch (error) {
    console.log(`  ${name}: skipped (${(error as Error).message})`);
  } finally {
    await close();
  }
}

const hash = await hashPassword("correct horse battery staple", DEFAULT_ARGON2_OPTIONS);
const argon2PerSecond = await measure(() => verifyPassword(hash, "wrong password"), 1);

const memory = rows.filter((r) => r.store === "memory");
console.log(`\nFailed-login counting, ${SECONDS} s per row (reserveLoginAttempt: 3 counters)\n`);
console.log("store              in flight   per second   µs each   × memory");
for (const row of rows) {
  const base = memory.find((m) => m.concurrency === row.concurrency)?.perSecond ?? row.perSecond;
  console.log(
    `${row.store.padEnd(18)} ${String(row.concurrency).padStart(9)} ${Math.round(row.perSecond)
      .toString()
      .padStart(12)} ${(1e6 / row.perSecond).toFixed(1).padStart(9)} ${(base / row.perSecond)
      .toFixed(1)
      .padStart(10)}`,
  );
}
console.log(
  `\nOne Argon2id verify (default parameters): ${(1e6 / argon2PerSecond).toFixed(0)} µs (${argon2PerSecond.toFixed(1)}/s)`,
);
