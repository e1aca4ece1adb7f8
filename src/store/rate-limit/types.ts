/**
 * The rate-limit port: what the throttle (`services/abuse/rate-limit/`) asks of a store of
 * failure counters. The policy types and the arithmetic every store shares stay in
 * `core/rate-limit.ts`, so the three stores cannot drift.
 */
import type { FailurePolicy, FailureRecord } from "../../core/rate-limit.js";

/** One counter of a reservation: its key and the policy that turns its failures into a lock. */
export interface RateLimitEntry {
  key: string;
  policy: FailurePolicy;
}

/** The answer of `RateLimitStore.reserve`. */
export type ReserveResult = { allowed: true } | { allowed: false; lockedUntilMs: number };

/** Where failure counters live: in this process, or shared by every instance (Redis). */
export interface RateLimitStore {
  /**
   * Reserves one attempt on every entry as ONE atomic step: when any entry is locked at
   * `nowMs`, counts nothing and answers the latest lock end; otherwise counts one failure on
   * each entry (as `recordFailure`) and answers allowed. The attempt is counted BEFORE the
   * password or code is checked, so parallel attempts cannot all pass a check-then-act gap
   * (issue 14 item 1); `release` gives it back when the attempt turns out not to be a failure.
   */
  reserve(entries: readonly RateLimitEntry[], nowMs: number): Promise<ReserveResult>;
  /** Gives back one reserved failure of `key` (count − 1, lock recomputed by `policy`). */
  release(key: string, policy: FailurePolicy, nowMs: number): Promise<void>;
  /**
   * Atomically counts one failure for `key`, computes the new lock from `policy` and keeps the
   * record until it expires; returns the new record. Rejects when the backing service fails.
   */
  recordFailure(key: string, policy: FailurePolicy, nowMs: number): Promise<FailureRecord>;
  /** The record of `key` at `nowMs`, or null when there is none (never counted, reset or expired). */
  get(key: string, nowMs: number): Promise<FailureRecord | null>;
  /** Forgets `key`'s record. */
  reset(key: string): Promise<void>;
  /**
   * `release` of every entry of `releases` and `reset` of every key of `resets` as ONE step
   * (one commit in a database: a sign-in's success, issue 20 item 1). Optional: without it the
   * throttle calls `release` and `reset` one by one.
   */
  settle?(
    releases: readonly RateLimitEntry[],
    resets: readonly string[],
    nowMs: number,
  ): Promise<void>;
  /** Releases what the store holds (timers, connections it owns). */
  close?(): Promise<void>;
}
