/**
 * The failure counters behind the abuse limits, and the policy arithmetic every store shares.
 *
 * A store (`src/store/rate-limit/`) keeps one record per key: how many failures, until when the
 * key is locked, and when the record is forgotten. Time is always passed in (`nowMs`, from the
 * injected clock), never read inside, so the memory store and the Redis store behave the same
 * under a frozen clock. The Redis store (`src/store/rate-limit/redis.ts`) runs `applyFailure` as
 * one Lua script; keep the two in step (a property test compares them).
 */

/** What a store reports for a key. `lockedUntilMs` is 0 when the key is not locked. */
export interface FailureRecord {
  failures: number;
  lockedUntilMs: number;
}

/**
 * Progressive waits: `freeFailures` failures may come back to back; the `freeFailures`-th
 * failure locks the key for `baseDelayMs`, and each further failure doubles the wait, capped at
 * `maxDelayMs`. The count is forgotten `retentionMs` after the last failure (or when reset).
 */
export interface ProgressivePolicy {
  kind: "progressive";
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  retentionMs: number;
}

/**
 * A fixed window that starts at the first failure and lasts `windowMs`; once `maxFailures`
 * failures fall in it, the key is locked until the window ends. Then the count starts afresh.
 */
export interface WindowPolicy {
  kind: "window";
  maxFailures: number;
  windowMs: number;
}

/** How failures turn into a lock. */
export type FailurePolicy = ProgressivePolicy | WindowPolicy;

/** A record as stored: the public fields plus the time it is forgotten. */
export interface StoredFailureRecord {
  failures: number;
  /** Absolute lock end; may lie in the past (then the key is not locked). */
  lockedUntilMs: number;
  /** The record counts as absent from this time on. */
  expiresAtMs: number;
}

/**
 * The wait a progressive policy imposes after `failures` failures (0 before `freeFailures`).
 * Shared with the Redis Lua script, which computes the same formula.
 */
export function progressiveDelayMs(failures: number, policy: ProgressivePolicy): number {
  if (failures < policy.freeFailures) return 0;
  // 2 ** n overflows to Infinity for large n; Math.min still gives the cap.
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - policy.freeFailures));
}

/**
 * Counts one failure on top of `previous` (null, or a record that may have expired) at `nowMs`.
 * Pure: the memory store applies it directly; the Redis Lua script mirrors it line by line.
 */
export function applyFailure(
  previous: StoredFailureRecord | null,
  policy: FailurePolicy,
  nowMs: number,
): StoredFailureRecord {
  const live = previous !== null && previous.expiresAtMs > nowMs ? previous : null;
  const failures = (live?.failures ?? 0) + 1;
  let lockedUntilMs = live?.lockedUntilMs ?? 0;
  let expiresAtMs = live?.expiresAtMs ?? 0;
  if (policy.kind === "progressive") {
    if (failures >= policy.freeFailures) {
      lockedUntilMs = nowMs + progressiveDelayMs(failures, policy);
    }
    expiresAtMs = Math.max(nowMs + policy.retentionMs, lockedUntilMs);
  } else {
    if (failures === 1) expiresAtMs = nowMs + policy.windowMs;
    if (failures >= policy.maxFailures) lockedUntilMs = expiresAtMs;
  }
  return { failures, lockedUntilMs, expiresAtMs };
}

/** The lock end of `stored` at `nowMs`: 0 when absent, expired or not locked. */
export function lockedUntil(stored: StoredFailureRecord | null, nowMs: number): number {
  if (stored === null || stored.expiresAtMs <= nowMs) return 0;
  return stored.lockedUntilMs > nowMs ? stored.lockedUntilMs : 0;
}

/** What `planReservation` decides: the lock that refuses it, or each key's record after it. */
export type ReservationPlan =
  | { allowed: false; lockedUntilMs: number }
  | { allowed: true; writes: ReadonlyArray<readonly [string, StoredFailureRecord]> };

/**
 * A reservation of one attempt on every entry (issue 14 item 1), as every store in this process
 * applies it, over the records `read` gives (read once per key): when any entry is locked at
 * `nowMs`, the latest lock end and nothing to write; otherwise one failure on each entry, in
 * order (a key named twice counts twice), as the records to write. The Redis script mirrors it.
 */
export function planReservation(
  entries: ReadonlyArray<{ key: string; policy: FailurePolicy }>,
  read: (key: string) => StoredFailureRecord | null,
  nowMs: number,
): ReservationPlan {
  const records = new Map<string, StoredFailureRecord | null>();
  for (const { key } of entries) if (!records.has(key)) records.set(key, read(key));
  const lockedUntilMs = Math.max(
    0,
    ...entries.map(({ key }) => lockedUntil(records.get(key) ?? null, nowMs)),
  );
  if (lockedUntilMs > 0) return { allowed: false, lockedUntilMs };
  const writes: Array<readonly [string, StoredFailureRecord]> = [];
  for (const { key, policy } of entries) {
    const next = applyFailure(records.get(key) ?? null, policy, nowMs);
    records.set(key, next);
    writes.push([key, next]);
  }
  return { allowed: true, writes };
}

/**
 * Gives back one failure of `previous` at `nowMs` (a reserved attempt that was not a failure).
 * The lock set by the failure given back is lifted: a progressive key below `freeFailures`
 * and a window key below `maxFailures` are not locked. Returns null when nothing is left.
 * Pure, and mirrored by the Redis release script.
 */
export function applyRelease(
  previous: StoredFailureRecord | null,
  policy: FailurePolicy,
  nowMs: number,
): StoredFailureRecord | null {
  if (previous === null || previous.expiresAtMs <= nowMs) return null;
  const failures = previous.failures - 1;
  if (failures <= 0) return null;
  const threshold = policy.kind === "progressive" ? policy.freeFailures : policy.maxFailures;
  const lockedUntilMs = failures < threshold ? 0 : previous.lockedUntilMs;
  return { failures, lockedUntilMs, expiresAtMs: previous.expiresAtMs };
}

/** The public view of a stored record at `nowMs`: null once expired, lock 0 once over. */
export function toFailureRecord(
  stored: StoredFailureRecord | null,
  nowMs: number,
): FailureRecord | null {
  if (stored === null || stored.expiresAtMs <= nowMs) return null;
  return {
    failures: stored.failures,
    lockedUntilMs: stored.lockedUntilMs > nowMs ? stored.lockedUntilMs : 0,
  };
}

function isWholeMs(value: unknown, min: number): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= min;
}

/**
 * Checks a policy once, at start-up (misuse fails loudly).
 * @throws TypeError naming the bad field.
 */
export function assertValidPolicy(policy: FailurePolicy, name = "policy"): void {
  const fail = (field: string, expected: string): never => {
    throw new TypeError(`${name}.${field}: expected ${expected}`);
  };
  if (policy.kind === "progressive") {
    if (!isWholeMs(policy.freeFailures, 1)) fail("freeFailures", "an integer >= 1");
    if (!isWholeMs(policy.baseDelayMs, 1)) fail("baseDelayMs", "an integer >= 1");
    if (!isWholeMs(policy.maxDelayMs, policy.baseDelayMs)) {
      fail("maxDelayMs", "an integer >= baseDelayMs");
    }
    if (!isWholeMs(policy.retentionMs, 1)) fail("retentionMs", "an integer >= 1");
  } else if (policy.kind === "window") {
    if (!isWholeMs(policy.maxFailures, 1)) fail("maxFailures", "an integer >= 1");
    if (!isWholeMs(policy.windowMs, 1)) fail("windowMs", "an integer >= 1");
  } else {
    fail("kind", `"progressive" or "window"`);
  }
}
