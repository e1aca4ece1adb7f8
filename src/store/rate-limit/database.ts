/**
 * The failure counters in the database, for deployments without Redis (issue 14 item 6: the
 * memory store forgot every lock at each restart). Same arithmetic as the memory and Redis
 * stores (the pure functions of core/rate-limit.ts), so the three cannot drift.
 *
 * Atomicity (STYLE principle 10): each operation is ONE transaction. On PostgreSQL the rows are
 * created if missing (INSERT … ON CONFLICT DO NOTHING) and then locked (SELECT … FOR UPDATE, in
 * key order so two reservations cannot deadlock) before they are read and written, so
 * concurrent reservations on any number of instances queue on the row locks. On SQLite the
 * same first write takes the database's write lock for the whole transaction (and Kysely's
 * driver holds its one connection), which serialises the same way. A long key (an unknown name
 * can be 1 KB) is stored as its SHA-256.
 */
import { createHash } from "node:crypto";
import type { Kysely, Selectable, Transaction } from "kysely";
import {
  applyFailure,
  applyRelease,
  planReservation,
  toFailureRecord,
  type FailurePolicy,
  type FailureRecord,
  type StoredFailureRecord,
} from "../../core/rate-limit.js";
import { capabilitiesOf } from "../dialect.js";
import { prepareQuery, preparedByArity } from "../prepared.js";
import type { Database, RateLimitCountersTable } from "../schema.js";
import type { RateLimitEntry, RateLimitStore, ReserveResult } from "./types.js";

/** Keys longer than this are stored as `sha256:<hex>`. */
const MAX_PLAIN_KEY_LENGTH = 200;
/** Expired rows are deleted at most this often (in the injected time). */
export const DEFAULT_DATABASE_SWEEP_INTERVAL_MS = 60_000;

export interface DatabaseRateLimitStoreOptions {
  /** Prepended to every key (tests give each store its own). Default "". */
  keyPrefix?: string;
  /** Default `DEFAULT_DATABASE_SWEEP_INTERVAL_MS`. */
  sweepIntervalMs?: number;
}

type Db = Kysely<Database>;

/** A row of `rate_limit_counters` as a stored record (a driver may give its integers as bigint). */
export function storedRecordOf(row: {
  failures: number | bigint;
  locked_until_ms: number | bigint;
  expires_at_ms: number | bigint;
}): StoredFailureRecord {
  return {
    failures: Number(row.failures),
    lockedUntilMs: Number(row.locked_until_ms),
    expiresAtMs: Number(row.expires_at_ms),
  };
}

/**
 * The row key of `key` under `keyPrefix`: as it is, or `sha256:<hex>` past
 * `MAX_PLAIN_KEY_LENGTH`. Shared with the counter file's store (`sqlite-file.ts`).
 */
export function counterRowKey(keyPrefix: string, key: string): string {
  const full = keyPrefix + key;
  return full.length <= MAX_PLAIN_KEY_LENGTH
    ? full
    : `sha256:${createHash("sha256").update(full).digest("hex")}`;
}

/**
 * Makes a store that keeps failure counters in the `rate_limit_counters` table. Operations
 * reject when the database fails (the throttle turns that into a 503).
 */
export function createDatabaseRateLimitStore(
  db: Db,
  options: DatabaseRateLimitStoreOptions = {},
): RateLimitStore {
  const keyPrefix = options.keyPrefix ?? "";
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_DATABASE_SWEEP_INTERVAL_MS;
  const { rowLocks } = capabilitiesOf(db);
  let lastSweepMs = Number.NEGATIVE_INFINITY;

  const rowKey = (key: string) => counterRowKey(keyPrefix, key);

  // The statements of every operation, compiled once (`prepared.ts`): a sign-in runs about ten
  // of them, and building each with Kysely cost more than SQLite running it (issue 20 item 1).
  const insertMissing = preparedByArity((qb: Db, ...keys: unknown[]) =>
    qb
      .insertInto("rate_limit_counters")
      .values(
        keys.map((key) => ({
          key: key as string,
          failures: 0,
          locked_until_ms: 0,
          expires_at_ms: 0,
        })),
      )
      .onConflict((oc) => oc.column("key").doNothing()),
  );
  const selectRows = preparedByArity((qb: Db, ...keys: unknown[]) =>
    qb
      .selectFrom("rate_limit_counters")
      .selectAll()
      .where("key", "in", keys as string[])
      .orderBy("key")
      .$if(rowLocks, (query) => query.forUpdate()),
  );
  const deleteRows = preparedByArity((qb: Db, ...keys: unknown[]) =>
    qb.deleteFrom("rate_limit_counters").where("key", "in", keys as string[]),
  );
  const upsertRow = prepareQuery(
    (qb: Db, key: string, failures: number, lockedUntilMs: number, expiresAtMs: number) =>
      qb
        .insertInto("rate_limit_counters")
        .values({ key, failures, locked_until_ms: lockedUntilMs, expires_at_ms: expiresAtMs })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            failures,
            locked_until_ms: lockedUntilMs,
            expires_at_ms: expiresAtMs,
          }),
        ),
  );

  /** Locks (PostgreSQL) and reads the rows of `keys`, absent ones as null. */
  async function lockRows(
    trx: Transaction<Database>,
    keys: readonly string[],
  ): Promise<Map<string, StoredFailureRecord | null>> {
    const sorted = [...new Set(keys)].sort();
    // A write first: on PostgreSQL it makes the rows to lock; on SQLite it takes the write lock
    // at the start, where the busy timeout applies (a deferred transaction that read first could
    // not upgrade and would fail with SQLITE_BUSY at once).
    await insertMissing(sorted.length).execute(trx, sorted);
    const rows = (await selectRows(sorted.length).execute(trx, sorted)) as Array<
      Selectable<RateLimitCountersTable>
    >;
    const found = new Map<string, StoredFailureRecord | null>(sorted.map((key) => [key, null]));
    for (const row of rows) {
      found.set(row.key, storedRecordOf(row));
    }
    return found;
  }

  async function write(
    trx: Transaction<Database>,
    key: string,
    record: StoredFailureRecord | null,
  ): Promise<void> {
    if (record === null) {
      await deleteRows(1).execute(trx, [key]);
      return;
    }
    await upsertRow.execute(trx, [key, record.failures, record.lockedUntilMs, record.expiresAtMs]);
  }

  async function sweep(nowMs: number): Promise<void> {
    if (nowMs >= lastSweepMs && nowMs - lastSweepMs < sweepIntervalMs) return;
    lastSweepMs = nowMs;
    await db.deleteFrom("rate_limit_counters").where("expires_at_ms", "<=", nowMs).execute();
  }

  return {
    async reserve(entries: readonly RateLimitEntry[], nowMs: number): Promise<ReserveResult> {
      await sweep(nowMs);
      const keyed = entries.map(({ key, policy }) => ({ key: rowKey(key), policy }));
      return db.transaction().execute(async (trx) => {
        const rows = await lockRows(
          trx,
          keyed.map(({ key }) => key),
        );
        const plan = planReservation(keyed, (key) => rows.get(key) ?? null, nowMs);
        if (!plan.allowed) return plan;
        for (const [key, next] of plan.writes) await write(trx, key, next);
        return { allowed: true } as const;
      });
    },

    async release(key: string, policy: FailurePolicy, nowMs: number): Promise<void> {
      const row = rowKey(key);
      await db.transaction().execute(async (trx) => {
        const rows = await lockRows(trx, [row]);
        await write(trx, row, applyRelease(rows.get(row) ?? null, policy, nowMs));
      });
    },

    async settle(
      releases: readonly RateLimitEntry[],
      resets: readonly string[],
      nowMs: number,
    ): Promise<void> {
      const keyed = releases.map(({ key, policy }) => ({ key: rowKey(key), policy }));
      const gone = resets.map(rowKey);
      await db.transaction().execute(async (trx) => {
        if (keyed.length > 0) {
          const rows = await lockRows(
            trx,
            keyed.map(({ key }) => key),
          );
          for (const { key, policy } of keyed) {
            await write(trx, key, applyRelease(rows.get(key) ?? null, policy, nowMs));
          }
        }
        if (gone.length > 0) {
          await deleteRows(gone.length).execute(trx, gone);
        }
      });
    },

    async recordFailure(key: string, policy: FailurePolicy, nowMs: number): Promise<FailureRecord> {
      await sweep(nowMs);
      const row = rowKey(key);
      const next = await db.transaction().execute(async (trx) => {
        const rows = await lockRows(trx, [row]);
        const record = applyFailure(rows.get(row) ?? null, policy, nowMs);
        await write(trx, row, record);
        return record;
      });
      return toFailureRecord(next, nowMs) ?? { failures: next.failures, lockedUntilMs: 0 };
    },

    async get(key: string, nowMs: number): Promise<FailureRecord | null> {
      const row = await db
        .selectFrom("rate_limit_counters")
        .selectAll()
        .where("key", "=", rowKey(key))
        .executeTakeFirst();
      if (row === undefined) return null;
      return toFailureRecord(storedRecordOf(row), nowMs);
    },

    async reset(key: string): Promise<void> {
      await db.deleteFrom("rate_limit_counters").where("key", "=", rowKey(key)).execute();
    },
  };
}
