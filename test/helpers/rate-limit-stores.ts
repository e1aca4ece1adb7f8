/**
 * The rate-limit stores every behaviour test loops over: memory, and a real Redis at
 * `TESSERA_TEST_REDIS_URL` (default redis://127.0.0.1:6379) under a random key prefix per test
 * file, deleted afterwards. Outside CI an unreachable Redis skips its tests with a printed
 * reason; with CI=true it fails the file.
 */
import type { Redis } from "ioredis";
import { afterAll } from "vitest";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase } from "../../src/store/index.js";
import {
  createDatabaseRateLimitStore,
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  openCounterFile,
  type RateLimitStore,
} from "../../src/store/rate-limit/index.js";
import { TEST_DIALECTS, openTestDatabase, type TestDatabase } from "./database.js";
import { openTestRedis, redisSkipReason, type TestRedis } from "./redis.js";

export interface StoreKind {
  readonly name:
    "memory" | "redis" | "sqlite database" | "postgres database" | "sqlite counter file";
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

  // The database stores (issue 14 item 6): one database per dialect for the file, a key prefix
  // per store; on PostgreSQL "two instances" are two separate pools to the same database.
  const databases: TestDatabase[] = [];
  const extraClosers: Array<() => Promise<void>> = [];
  const databaseKinds: StoreKind[] = [];
  for (const dialect of ["sqlite", "postgres"] as const) {
    const available = TEST_DIALECTS.includes(dialect);
    const database = available ? await openTestDatabase(dialect) : null;
    if (database !== null) databases.push(database);
    databaseKinds.push({
      name: `${dialect} database`,
      skipReason: database === null ? `${dialect} is not available for ${fileTag}` : null,
      make: () => createDatabaseRateLimitStore(database!.db, { keyPrefix: `${randomUUID()}:` }),
      makeShared: async () => {
        const keyPrefix = `${randomUUID()}:`;
        if (dialect === "sqlite") {
          // One process holds one SQLite connection: better-sqlite3 waits for a lock
          // synchronously, so two connections in one process would wait on each other. Two
          // processes on one file are what SQLite's own locking serialises.
          return [
            createDatabaseRateLimitStore(database!.db, { keyPrefix }),
            createDatabaseRateLimitStore(database!.db, { keyPrefix }),
          ];
        }
        const second = await createDatabase(database!.url);
        extraClosers.push(() => second.destroy());
        return [
          createDatabaseRateLimitStore(database!.db, { keyPrefix }),
          createDatabaseRateLimitStore(second.db, { keyPrefix }),
        ];
      },
    });
  }

  // The counter file of a SQLite deployment (`counter-file.ts`, its store in `sqlite-file.ts`):
  // a real file; "two instances" are two connections to it, as two processes would hold.
  const counterDir = mkdtempSync(join(tmpdir(), "tessera-counters-"));
  extraClosers.push(async () => rmSync(counterDir, { recursive: true, force: true }));
  const openFile = (path: string) => {
    const file = openCounterFile(path);
    extraClosers.unshift(async () => file.close());
    return file.store;
  };
  const counterFileKind: StoreKind = {
    name: "sqlite counter file",
    skipReason: null,
    make: () => openFile(join(counterDir, `${randomUUID()}-counters`)),
    makeShared: async () => {
      const path = join(counterDir, `${randomUUID()}-counters`);
      return [openFile(path), openFile(path)];
    },
  };

  return {
    kinds: [memory, redisKind, ...databaseKinds, counterFileKind],
    redisPrefix: redis?.keyPrefix ?? `tessera-test:${fileTag}:unreachable:`,
    connect: async () => {
      if (redis === null) throw new Error(unreachable ?? "Redis not connected");
      return redis.connect();
    },
    cleanup: async () => {
      await redis?.cleanup();
      for (const close of extraClosers.splice(0)) await close();
      for (const database of databases.splice(0)) await database.cleanup();
    },
  };
}

/** `createStoreHarness` for a test file, cleaned up after the file (`afterAll`). */
export async function useStoreHarness(fileTag: string): Promise<StoreHarness> {
  const harness = await createStoreHarness(fileTag);
  afterAll(() => harness.cleanup());
  return harness;
}
