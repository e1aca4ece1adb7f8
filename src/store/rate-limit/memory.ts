/**
 * Failure counters in this process: the zero-configuration default of a single instance.
 *
 * Keys come from attackers (names they type, addresses they send from), so the store is
 * bounded: expired records are swept as time passes, and past `maxKeys` the record written
 * longest ago is evicted first. Every operation is synchronous inside, so one failure count is
 * a single step of the event loop: atomic without locks.
 */
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

/**
 * Most records kept at once. About 200 bytes each, so the cap is about 20 MB; reaching it needs
 * 100 000 failed logins from addresses and names not already counted.
 */
export const DEFAULT_MEMORY_MAX_KEYS = 100_000;
/** How often (in injected time) the whole store is swept for expired records. */
export const DEFAULT_MEMORY_SWEEP_INTERVAL_MS = 60_000;

export interface MemoryRateLimitStoreOptions {
  /** Most records kept; the oldest written is evicted beyond it. Default `DEFAULT_MEMORY_MAX_KEYS`. */
  maxKeys?: number;
  /** Sweep for expired records at most this often. Default `DEFAULT_MEMORY_SWEEP_INTERVAL_MS`. */
  sweepIntervalMs?: number;
}

/** The memory store, with its size for tests and metrics. */
export interface MemoryRateLimitStore extends RateLimitStore {
  /** How many records are held (expired ones not yet swept included). */
  readonly size: number;
  close(): Promise<void>;
}

/**
 * Makes a store that keeps failure counters in memory (one instance only).
 * @throws TypeError when `maxKeys` or `sweepIntervalMs` is not a positive integer.
 */
export function createMemoryRateLimitStore(
  options: MemoryRateLimitStoreOptions = {},
): MemoryRateLimitStore {
  const maxKeys = options.maxKeys ?? DEFAULT_MEMORY_MAX_KEYS;
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_MEMORY_SWEEP_INTERVAL_MS;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new TypeError("maxKeys: expected an integer >= 1");
  }
  if (!Number.isSafeInteger(sweepIntervalMs) || sweepIntervalMs < 1) {
    throw new TypeError("sweepIntervalMs: expected an integer >= 1");
  }

  // A Map iterates in insertion order; deleting before setting moves a key to the end, so the
  // first key is always the one written longest ago.
  const records = new Map<string, StoredFailureRecord>();
  let lastSweepMs: number | null = null;

  function sweep(nowMs: number): void {
    // A clock set backwards (tests, or a corrected host clock) also triggers a sweep.
    if (lastSweepMs !== null && nowMs >= lastSweepMs && nowMs - lastSweepMs < sweepIntervalMs) {
      return;
    }
    lastSweepMs = nowMs;
    for (const [key, record] of records) {
      if (record.expiresAtMs <= nowMs) records.delete(key);
    }
  }

  function evictOverflow(): void {
    while (records.size > maxKeys) {
      const oldest = records.keys().next();
      if (oldest.done === true) return;
      records.delete(oldest.value);
    }
  }

  return {
    get size() {
      return records.size;
    },

    async recordFailure(key: string, policy: FailurePolicy, nowMs: number): Promise<FailureRecord> {
      sweep(nowMs);
      const next = applyFailure(records.get(key) ?? null, policy, nowMs);
      records.delete(key);
      records.set(key, next);
      evictOverflow();
      // `next` has not expired at `nowMs`: every policy keeps it for a positive time.
      return toFailureRecord(next, nowMs) ?? { failures: next.failures, lockedUntilMs: 0 };
    },

    async reserve(entries: readonly RateLimitEntry[], nowMs: number): Promise<ReserveResult> {
      // Synchronous from the read to the last write: one step of the event loop, so atomic.
      sweep(nowMs);
      const plan = planReservation(entries, (key) => records.get(key) ?? null, nowMs);
      if (!plan.allowed) return plan;
      for (const [key, next] of plan.writes) {
        records.delete(key);
        records.set(key, next);
      }
      evictOverflow();
      return { allowed: true };
    },

    async release(key: string, policy: FailurePolicy, nowMs: number): Promise<void> {
      const next = applyRelease(records.get(key) ?? null, policy, nowMs);
      if (next === null) records.delete(key);
      else records.set(key, next);
    },

    async get(key: string, nowMs: number): Promise<FailureRecord | null> {
      const stored = records.get(key) ?? null;
      const record = toFailureRecord(stored, nowMs);
      if (stored !== null && record === null) records.delete(key);
      return record;
    },

    async reset(key: string): Promise<void> {
      records.delete(key);
    },

    async close(): Promise<void> {
      records.clear();
    },
  };
}
