/**
 * The failure counters in the counter file (`counter-file.ts`), straight on its better-sqlite3
 * connection (issue 20 item 1). Same rows and the same arithmetic (`core/rate-limit.ts`) as
 * `database.ts`, which serves PostgreSQL and a main SQLite database; here each operation is one
 * synchronous `BEGIN IMMEDIATE` transaction of a few prepared statements, without Kysely's
 * transaction machinery around every statement: a sign-in's reservation and its give-back are
 * two of them, each on the path of every sign-in.
 *
 * Atomicity (STYLE principle 10): `BEGIN IMMEDIATE` takes the file's write lock before the rows
 * are read (the busy timeout applies to it), so every process on the file runs its operations
 * one after another; in this process, a synchronous transaction cannot interleave with another.
 * A long key (an unknown name can be 1 KB) is stored as its SHA-256, as in `database.ts`.
 */
import type BetterSqlite3 from "better-sqlite3";
import {
  applyFailure,
  applyRelease,
  planReservation,
  toFailureRecord,
  type FailurePolicy,
  type FailureRecord,
  type StoredFailureRecord,
} from "../../core/rate-limit.js";
import type { RateLimitEntry, RateLimitStore, ReserveResult } from "./types.js";
import {
  DEFAULT_DATABASE_SWEEP_INTERVAL_MS,
  counterRowKey,
  storedRecordOf,
  type DatabaseRateLimitStoreOptions,
} from "./database.js";

interface Row {
  failures: number | bigint;
  locked_until_ms: number | bigint;
  expires_at_ms: number | bigint;
}

/**
 * Makes a store over the counter file's open connection (its `rate_limit_counters` table made).
 * Operations reject when SQLite fails (the throttle turns that into a 503). The connection stays
 * the caller's to close.
 */
export function createSqliteFileRateLimitStore(
  raw: BetterSqlite3.Database,
  options: DatabaseRateLimitStoreOptions = {},
): RateLimitStore {
  const keyPrefix = options.keyPrefix ?? "";
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_DATABASE_SWEEP_INTERVAL_MS;
  let lastSweepMs = Number.NEGATIVE_INFINITY;

  const selectRow = raw.prepare<[string], Row>(
    `select failures, locked_until_ms, expires_at_ms from rate_limit_counters where key = ?`,
  );
  const upsertRow = raw.prepare<[string, number, number, number]>(
    `insert into rate_limit_counters (key, failures, locked_until_ms, expires_at_ms)
     values (?, ?, ?, ?) on conflict (key) do update set failures = excluded.failures,
     locked_until_ms = excluded.locked_until_ms, expires_at_ms = excluded.expires_at_ms`,
  );
  const deleteRow = raw.prepare<[string]>(`delete from rate_limit_counters where key = ?`);
  const deleteExpired = raw.prepare<[number]>(
    `delete from rate_limit_counters where expires_at_ms <= ?`,
  );

  const rowKey = (key: string) => counterRowKey(keyPrefix, key);

  function read(key: string): StoredFailureRecord | null {
    const row = selectRow.get(key);
    return row === undefined ? null : storedRecordOf(row);
  }

  function write(key: string, record: StoredFailureRecord | null): void {
    if (record === null) deleteRow.run(key);
    else upsertRow.run(key, record.failures, record.lockedUntilMs, record.expiresAtMs);
  }

  const reserve = raw.transaction(
    (entries: ReadonlyArray<{ key: string; policy: FailurePolicy }>, nowMs: number) => {
      const plan = planReservation(entries, read, nowMs);
      if (!plan.allowed) return plan;
      for (const [key, next] of plan.writes) write(key, next);
      return { allowed: true } as const;
    },
  );

  const settle = raw.transaction(
    (
      releases: ReadonlyArray<{ key: string; policy: FailurePolicy }>,
      resets: readonly string[],
      nowMs: number,
    ) => {
      for (const { key, policy } of releases) write(key, applyRelease(read(key), policy, nowMs));
      for (const key of resets) deleteRow.run(key);
    },
  );

  const recordFailure = raw.transaction(
    (key: string, policy: FailurePolicy, nowMs: number): StoredFailureRecord => {
      const record = applyFailure(read(key), policy, nowMs);
      write(key, record);
      return record;
    },
  );

  function sweep(nowMs: number): void {
    if (nowMs >= lastSweepMs && nowMs - lastSweepMs < sweepIntervalMs) return;
    lastSweepMs = nowMs;
    deleteExpired.run(nowMs);
  }

  return {
    async reserve(entries: readonly RateLimitEntry[], nowMs: number): Promise<ReserveResult> {
      sweep(nowMs);
      const keyed = entries.map(({ key, policy }) => ({ key: rowKey(key), policy }));
      return reserve.immediate(keyed, nowMs);
    },

    async release(key: string, policy: FailurePolicy, nowMs: number): Promise<void> {
      settle.immediate([{ key: rowKey(key), policy }], [], nowMs);
    },

    async settle(
      releases: readonly RateLimitEntry[],
      resets: readonly string[],
      nowMs: number,
    ): Promise<void> {
      const keyed = releases.map(({ key, policy }) => ({ key: rowKey(key), policy }));
      settle.immediate(keyed, resets.map(rowKey), nowMs);
    },

    async recordFailure(key: string, policy: FailurePolicy, nowMs: number): Promise<FailureRecord> {
      sweep(nowMs);
      const next = recordFailure.immediate(rowKey(key), policy, nowMs);
      return toFailureRecord(next, nowMs) ?? { failures: next.failures, lockedUntilMs: 0 };
    },

    async get(key: string, nowMs: number): Promise<FailureRecord | null> {
      return toFailureRecord(read(rowKey(key)), nowMs);
    },

    async reset(key: string): Promise<void> {
      deleteRow.run(rowKey(key));
    },
  };
}
