/**
 * Redis: the counters every instance shares when `TESSERA_REDIS_URL` is set.
 *
 * Shared counters are atomic (STYLE principle 10): counting a failure is ONE Lua script, which
 * Redis runs without interleaving any other command; reading is one `HMGET` and resetting one
 * `DEL`. Nothing is read into Node, changed and written back. The current time comes from the
 * injected clock as a script argument (never Redis `TIME`), so a frozen test clock works here
 * exactly as with the memory store; the key's Redis expiry only collects garbage, and the
 * record's own `expiresAtMs` decides whether it still counts.
 */
import { createHash } from "node:crypto";
import type { FailurePolicy, FailureRecord } from "../../core/rate-limit.js";
import type { RedisCommands } from "../redis/types.js";
import type { RateLimitEntry, RateLimitStore, ReserveResult } from "./types.js";

/** Prefix of every rate-limit key, so Tessera can share a Redis database with other apps. */
export const DEFAULT_REDIS_RATE_LIMIT_KEY_PREFIX = "tessera:rate-limit:";

/**
 * Counts one failure. Mirrors `applyFailure` in src/core/rate-limit.ts line by line.
 * KEYS[1] the record. ARGV[1] nowMs, ARGV[2] policy kind; progressive: ARGV[3] freeFailures,
 * ARGV[4] baseDelayMs, ARGV[5] maxDelayMs, ARGV[6] retentionMs; window: ARGV[3] maxFailures,
 * ARGV[4] windowMs. Returns { failures, lockedUntilMs or 0 }.
 * Numbers are written with %.0f: Lua's default number format turns large ones into 1.7e+12.
 */
const RECORD_FAILURE_LUA = `
local now = tonumber(ARGV[1])
local stored = redis.call('HMGET', KEYS[1], 'failures', 'lockedUntilMs', 'expiresAtMs')
local failures, lockedUntil, expiresAt = 0, 0, 0
local storedExpiresAt = tonumber(stored[3])
if stored[1] and not (tonumber(stored[1]) and tonumber(stored[2]) and storedExpiresAt) then
  return redis.error_reply('corrupt rate-limit record')
end
if storedExpiresAt and storedExpiresAt > now then
  failures = tonumber(stored[1]) or 0
  lockedUntil = tonumber(stored[2]) or 0
  expiresAt = storedExpiresAt
end
failures = failures + 1
if ARGV[2] == 'progressive' then
  local free, base, maxDelay, retention =
    tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
  if failures >= free then
    lockedUntil = now + math.min(maxDelay, base * 2 ^ (failures - free))
  end
  expiresAt = math.max(now + retention, lockedUntil)
elseif ARGV[2] == 'window' then
  local maxFailures, windowMs = tonumber(ARGV[3]), tonumber(ARGV[4])
  if failures == 1 then expiresAt = now + windowMs end
  if failures >= maxFailures then lockedUntil = expiresAt end
else
  return redis.error_reply('unknown rate-limit policy kind')
end
redis.call('HSET', KEYS[1], 'failures', string.format('%.0f', failures),
  'lockedUntilMs', string.format('%.0f', lockedUntil),
  'expiresAtMs', string.format('%.0f', expiresAt))
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(1, expiresAt - now)))
if lockedUntil <= now then lockedUntil = 0 end
return { failures, lockedUntil }
`;
const scriptSha1s = new Map<string, string>();
function scriptSha1(script: string): string {
  let sha1 = scriptSha1s.get(script);
  if (sha1 === undefined) {
    sha1 = createHash("sha1").update(script).digest("hex");
    scriptSha1s.set(script, sha1);
  }
  return sha1;
}

/**
 * Reserves one attempt on every key as one step (see `RateLimitStore.reserve`): when any key is
 * locked, counts nothing and returns { 0, latest lock end }; else counts one failure on each key
 * exactly as RECORD_FAILURE_LUA does and returns { 1, 0 }. KEYS: the records. ARGV[1] nowMs,
 * then five arguments per key: kind and four policy numbers (a window's last two are 0).
 */
const RESERVE_LUA = `
local now = tonumber(ARGV[1])
local records = {}
local latest = 0
for i, key in ipairs(KEYS) do
  local stored = redis.call('HMGET', key, 'failures', 'lockedUntilMs', 'expiresAtMs')
  local storedExpiresAt = tonumber(stored[3])
  if stored[1] and not (tonumber(stored[1]) and tonumber(stored[2]) and storedExpiresAt) then
    return redis.error_reply('corrupt rate-limit record')
  end
  local failures, lockedUntil, expiresAt = 0, 0, 0
  if storedExpiresAt and storedExpiresAt > now then
    failures = tonumber(stored[1])
    lockedUntil = tonumber(stored[2])
    expiresAt = storedExpiresAt
  end
  if lockedUntil > now and lockedUntil > latest then latest = lockedUntil end
  records[i] = { failures, lockedUntil, expiresAt }
end
if latest > 0 then return { 0, latest } end
for i, key in ipairs(KEYS) do
  local base = 1 + (i - 1) * 5
  local kind = ARGV[base + 1]
  local failures, lockedUntil, expiresAt = records[i][1] + 1, records[i][2], records[i][3]
  if kind == 'progressive' then
    local free, delay, maxDelay, retention =
      tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4]), tonumber(ARGV[base + 5])
    if failures >= free then
      lockedUntil = now + math.min(maxDelay, delay * 2 ^ (failures - free))
    end
    expiresAt = math.max(now + retention, lockedUntil)
  elseif kind == 'window' then
    local maxFailures, windowMs = tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
    if failures == 1 then expiresAt = now + windowMs end
    if failures >= maxFailures then lockedUntil = expiresAt end
  else
    return redis.error_reply('unknown rate-limit policy kind')
  end
  redis.call('HSET', key, 'failures', string.format('%.0f', failures),
    'lockedUntilMs', string.format('%.0f', lockedUntil),
    'expiresAtMs', string.format('%.0f', expiresAt))
  redis.call('PEXPIRE', key, string.format('%.0f', math.max(1, expiresAt - now)))
end
return { 1, 0 }
`;

/**
 * Gives back one failure (see `applyRelease`). KEYS[1] the record. ARGV[1] nowMs, ARGV[2] the
 * count below which the key is not locked (freeFailures or maxFailures).
 */
const RELEASE_LUA = `
local now = tonumber(ARGV[1])
local stored = redis.call('HMGET', KEYS[1], 'failures', 'expiresAtMs')
local failures, expiresAt = tonumber(stored[1]), tonumber(stored[2])
if not failures or not expiresAt or expiresAt <= now then return 0 end
failures = failures - 1
if failures <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('HSET', KEYS[1], 'failures', string.format('%.0f', failures))
if failures < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], 'lockedUntilMs', '0') end
return failures
`;

function policyArguments(policy: FailurePolicy): number[] {
  return policy.kind === "progressive"
    ? [policy.freeFailures, policy.baseDelayMs, policy.maxDelayMs, policy.retentionMs]
    : [policy.maxFailures, policy.windowMs];
}

function toNumber(value: unknown): number {
  const number = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(number)) throw new TypeError("Unexpected reply from the Redis script");
  return number;
}

export interface RedisRateLimitStoreOptions {
  /** Prepended to every key. Default `DEFAULT_REDIS_RATE_LIMIT_KEY_PREFIX`. */
  keyPrefix?: string;
}

/**
 * Makes a store that keeps failure counters in Redis, shared by every instance using the same
 * Redis and prefix. The store does not own `redis`: close it with `closeRedisClient`.
 * Operations reject when Redis fails (the throttle turns that into a 503).
 */
export function createRedisRateLimitStore(
  redis: RedisCommands,
  options: RedisRateLimitStoreOptions = {},
): RateLimitStore {
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_RATE_LIMIT_KEY_PREFIX;

  async function runScript(
    script: string,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    const sha1 = scriptSha1(script);
    try {
      return await redis.evalsha(sha1, keys.length, ...keys, ...args);
    } catch (error) {
      // The script cache is empty after a Redis restart or on a fresh server: send it once.
      if (error instanceof Error && error.message.startsWith("NOSCRIPT")) {
        return await redis.eval(script, keys.length, ...keys, ...args);
      }
      throw error;
    }
  }
  const runRecordFailure = (key: string, args: (string | number)[]) =>
    runScript(RECORD_FAILURE_LUA, [key], args);

  return {
    async recordFailure(key: string, policy: FailurePolicy, nowMs: number): Promise<FailureRecord> {
      const reply = await runRecordFailure(keyPrefix + key, [
        nowMs,
        policy.kind,
        ...policyArguments(policy),
      ]);
      if (!Array.isArray(reply) || reply.length !== 2) {
        throw new TypeError("Unexpected reply from the Redis script");
      }
      return { failures: toNumber(reply[0]), lockedUntilMs: toNumber(reply[1]) };
    },

    async reserve(entries: readonly RateLimitEntry[], nowMs: number): Promise<ReserveResult> {
      const args: (string | number)[] = [nowMs];
      for (const { policy } of entries) {
        const numbers = policyArguments(policy);
        args.push(policy.kind, ...numbers, ...Array<number>(4 - numbers.length).fill(0));
      }
      const reply = await runScript(
        RESERVE_LUA,
        entries.map(({ key }) => keyPrefix + key),
        args,
      );
      if (!Array.isArray(reply) || reply.length !== 2) {
        throw new TypeError("Unexpected reply from the Redis script");
      }
      return toNumber(reply[0]) === 1
        ? { allowed: true }
        : { allowed: false, lockedUntilMs: toNumber(reply[1]) };
    },

    async release(key: string, policy: FailurePolicy, nowMs: number): Promise<void> {
      const threshold = policy.kind === "progressive" ? policy.freeFailures : policy.maxFailures;
      await runScript(RELEASE_LUA, [keyPrefix + key], [nowMs, threshold]);
    },

    async get(key: string, nowMs: number): Promise<FailureRecord | null> {
      const [failures, lockedUntilMs, expiresAtMs] = await redis.hmget(
        keyPrefix + key,
        "failures",
        "lockedUntilMs",
        "expiresAtMs",
      );
      if (failures == null || lockedUntilMs == null || expiresAtMs == null) return null; // eslint-disable-line eqeqeq -- null or undefined
      const stored = [Number(failures), Number(lockedUntilMs), Number(expiresAtMs)] as const;
      // A record that is not ours (corrupt or hand-edited) must not silently unlock: refuse (503).
      if (!stored.every(Number.isFinite)) {
        throw new TypeError(`Corrupt rate-limit record at ${keyPrefix}${key}`);
      }
      // As `toFailureRecord` in core/rate-limit.ts: expired → none; a past lock → 0.
      if (stored[2] <= nowMs) return null;
      return { failures: stored[0], lockedUntilMs: stored[1] > nowMs ? stored[1] : 0 };
    },

    async reset(key: string): Promise<void> {
      await redis.del(keyPrefix + key);
    },
  };
}
