/**
 * oidc-provider's short-lived artefacts in Redis (see `OIDC_REDIS_MODELS` in oidc-artefacts.ts):
 * shared by every instance, gone with their TTL. Keys under the prefix:
 *
 * - `r:<model>:<id>`: the artefact, a hash: `payload` (JSON text), `expiresAtMs`,
 *   `consumedAtMs` ('' until consumed), and `uid`, `userCode`, `grantId` (for the indexes);
 * - `u:<model>:<uid>` and `c:<model>:<userCode>`: the id, with the artefact's TTL;
 * - `g:<grantId>`: the set of `<model>:<id>` carrying that grant, as long-lived as its longest.
 *
 * Every write is one Lua script, which Redis runs without interleaving any other command:
 * consuming sets `consumedAtMs` only while it is empty (one consumer wins), an upsert replaces
 * the record and its indexes together. As in the rate-limit store, the injected clock decides
 * expiry (`expiresAtMs`, a script argument); the key's TTL only collects garbage.
 */
import { createHash } from "node:crypto";
import type { Clock } from "../core/clock.js";
import {
  consumedAtMs,
  expiresAtMs,
  isLookupKey,
  payloadText,
  readPayload,
  textField,
  type OidcModelStore,
} from "./oidc-payloads.js";
import type { RedisCommands } from "./redis/types.js";

/** Prefix of every OIDC key, so Tessera can share a Redis database with other apps. */
export const DEFAULT_REDIS_OIDC_KEY_PREFIX = "tessera:oidc:";

/**
 * Deletes the uid and user-code indexes of the record KEYS[1] when they still point at it, and
 * takes it out of its grant's set. ARGV[1] prefix, ARGV[2] model, ARGV[3] id.
 */
const DROP_INDEXES_LUA = `
local function drop_indexes(record, prefix, model, id)
  local old = redis.call('HMGET', record, 'uid', 'userCode', 'grantId')
  if old[1] and old[1] ~= '' then
    local key = prefix .. 'u:' .. model .. ':' .. old[1]
    if redis.call('GET', key) == id then redis.call('DEL', key) end
  end
  if old[2] and old[2] ~= '' then
    local key = prefix .. 'c:' .. model .. ':' .. old[2]
    if redis.call('GET', key) == id then redis.call('DEL', key) end
  end
  if old[3] and old[3] ~= '' then
    redis.call('SREM', prefix .. 'g:' .. old[3], model .. ':' .. id)
  end
end
`;

/**
 * Replaces an artefact and its indexes. KEYS[1] the record. ARGV[1] prefix, ARGV[2] model,
 * ARGV[3] id, ARGV[4] payload, ARGV[5] expiresAtMs ('' for none), ARGV[6] TTL in ms ('' for
 * none), ARGV[7] uid, ARGV[8] userCode, ARGV[9] grantId, ARGV[10] consumedAtMs ('' when not
 * consumed); absent fields are ''. A consumed record stays consumed.
 */
const UPSERT_LUA = `${DROP_INDEXES_LUA}
local record, prefix, model, id = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local ttl = ARGV[6]
local consumed = redis.call('HGET', record, 'consumedAtMs')
if not consumed or consumed == '' then consumed = ARGV[10] end
drop_indexes(record, prefix, model, id)
redis.call('DEL', record)
redis.call('HSET', record, 'payload', ARGV[4], 'expiresAtMs', ARGV[5], 'consumedAtMs', consumed,
  'uid', ARGV[7], 'userCode', ARGV[8], 'grantId', ARGV[9])
local function expire(key)
  if ttl ~= '' then redis.call('PEXPIRE', key, ttl) end
end
expire(record)
if ARGV[7] ~= '' then
  local key = prefix .. 'u:' .. model .. ':' .. ARGV[7]
  redis.call('SET', key, id)
  expire(key)
end
if ARGV[8] ~= '' then
  local key = prefix .. 'c:' .. model .. ':' .. ARGV[8]
  redis.call('SET', key, id)
  expire(key)
end
if ARGV[9] ~= '' then
  local grant = prefix .. 'g:' .. ARGV[9]
  local existed = redis.call('EXISTS', grant) == 1
  local left = redis.call('PTTL', grant)
  redis.call('SADD', grant, model .. ':' .. id)
  if ttl == '' then
    redis.call('PERSIST', grant)
  elseif not existed or (left >= 0 and left < tonumber(ttl)) then
    redis.call('PEXPIRE', grant, ttl)
  end
end
return 1
`;

/**
 * The record an index points at, when it still carries that value. KEYS[1] the index. ARGV[1]
 * the records' key prefix (`<prefix>r:<model>:`), ARGV[2] the field, ARGV[3] its value.
 * Returns { payload, expiresAtMs, consumedAtMs } or nil.
 */
const FIND_BY_INDEX_LUA = `
local id = redis.call('GET', KEYS[1])
if not id then return false end
local found = redis.call('HMGET', ARGV[1] .. id, 'payload', 'expiresAtMs', 'consumedAtMs', ARGV[2])
if not found[1] or found[4] ~= ARGV[3] then return false end
return { found[1], found[2], found[3] }
`;

/**
 * Consumes an artefact once. KEYS[1] the record, ARGV[1] nowMs. 1 when this call consumed it;
 * 0 when it is missing, expired or consumed already.
 */
const CONSUME_LUA = `
local found = redis.call('HMGET', KEYS[1], 'payload', 'expiresAtMs', 'consumedAtMs')
if not found[1] then return 0 end
if found[2] and found[2] ~= '' and tonumber(found[2]) <= tonumber(ARGV[1]) then return 0 end
if found[3] and found[3] ~= '' then return 0 end
redis.call('HSET', KEYS[1], 'consumedAtMs', ARGV[1])
return 1
`;

/** Deletes an artefact and its indexes. KEYS[1] the record; ARGV as DROP_INDEXES_LUA. */
const DESTROY_LUA = `${DROP_INDEXES_LUA}
drop_indexes(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
return redis.call('DEL', KEYS[1])
`;

/**
 * Deletes every artefact of a grant (those still carrying it) with their indexes, then the set.
 * KEYS[1] the grant's set. ARGV[1] prefix, ARGV[2] grantId. Returns how many were deleted.
 */
const REVOKE_LUA = `${DROP_INDEXES_LUA}
local prefix, deleted = ARGV[1], 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local colon = string.find(member, ':', 1, true)
  if colon then
    local model, id = string.sub(member, 1, colon - 1), string.sub(member, colon + 1)
    local record = prefix .. 'r:' .. member
    if redis.call('HGET', record, 'grantId') == ARGV[2] then
      drop_indexes(record, prefix, model, id)
      deleted = deleted + redis.call('DEL', record)
    end
  end
end
redis.call('DEL', KEYS[1])
return deleted
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

/** The artefacts in Redis: a store per model, and revoking a grant across them. */
export interface RedisOidcArtefacts {
  model(name: string): OidcModelStore;
  /** Deletes every artefact in Redis carrying `grantId`; how many. */
  revokeByGrantId(grantId: string): Promise<number>;
}

/**
 * Artefacts in Redis under `options.keyPrefix`. The store does not own `redis`. Operations
 * reject when Redis fails.
 */
export function createRedisOidcArtefacts(
  redis: RedisCommands,
  clock: Clock,
  options: { keyPrefix: string },
): RedisOidcArtefacts {
  const prefix = options.keyPrefix;

  async function runScript(script: string, key: string, args: string[]): Promise<unknown> {
    try {
      return await redis.evalsha(scriptSha1(script), 1, key, ...args);
    } catch (error) {
      // The script cache is empty after a Redis restart or on a fresh server: send it once.
      if (error instanceof Error && error.message.startsWith("NOSCRIPT")) {
        return await redis.eval(script, 1, key, ...args);
      }
      throw error;
    }
  }

  /** A record as read ({ payload, expiresAtMs, consumedAtMs }), live at `nowMs`, as a payload. */
  function readRecord(found: readonly unknown[], nowMs: number) {
    const [payload, expires, consumed] = found;
    if (typeof payload !== "string") return undefined;
    if (typeof expires === "string" && expires !== "" && Number(expires) <= nowMs) return undefined;
    return readPayload(
      payload,
      typeof consumed === "string" && consumed !== "" ? Number(consumed) : null,
    );
  }

  function model(name: string): OidcModelStore {
    const recordPrefix = `${prefix}r:${name}:`;

    async function findByIndex(kind: "u" | "c", field: string, value: string) {
      if (!isLookupKey(value)) return undefined;
      const nowMs = clock();
      const reply = await runScript(FIND_BY_INDEX_LUA, `${prefix}${kind}:${name}:${value}`, [
        recordPrefix,
        field,
        value,
      ]);
      return Array.isArray(reply) ? readRecord(reply, nowMs) : undefined;
    }

    return {
      async upsert(id, payload, expiresIn) {
        const nowMs = clock();
        const expires = expiresAtMs(nowMs, expiresIn);
        const consumed = consumedAtMs(payload, nowMs);
        const ttlMs = expires === null ? "" : String(Math.max(1, Math.ceil(expires - nowMs)));
        await runScript(UPSERT_LUA, recordPrefix + id, [
          prefix,
          name,
          id,
          payloadText(payload),
          expires === null ? "" : String(expires),
          ttlMs,
          textField(payload, "uid") ?? "",
          textField(payload, "userCode") ?? "",
          textField(payload, "grantId") ?? "",
          consumed === null ? "" : String(consumed),
        ]);
      },

      async find(id) {
        if (!isLookupKey(id)) return undefined;
        const nowMs = clock();
        const found = await redis.hmget(
          recordPrefix + id,
          "payload",
          "expiresAtMs",
          "consumedAtMs",
        );
        return readRecord(found, nowMs);
      },

      findByUid: (uid) => findByIndex("u", "uid", uid),

      findByUserCode: (userCode) => findByIndex("c", "userCode", userCode),

      async consume(id) {
        if (!isLookupKey(id)) return false;
        const reply = await runScript(CONSUME_LUA, recordPrefix + id, [
          String(Math.trunc(clock())),
        ]);
        return Number(reply) === 1;
      },

      async destroy(id) {
        if (!isLookupKey(id)) return;
        await runScript(DESTROY_LUA, recordPrefix + id, [prefix, name, id]);
      },
    };
  }

  return {
    model,
    async revokeByGrantId(grantId) {
      if (!isLookupKey(grantId)) return 0;
      return Number(await runScript(REVOKE_LUA, `${prefix}g:${grantId}`, [prefix, grantId]));
    },
  };
}
