/** Challenges in Redis: shared by every instance, consumed with one `GETDEL`. */
import type { RedisCommands } from "../redis/types.js";
import { MAX_CHALLENGE_LENGTH, type ChallengeStore, type StoredChallenge } from "./types.js";

/**
 * Challenges in Redis under `keyPrefix + challenge`, with the expiry both as the key's TTL
 * (clean-up) and in the value (decides, so an injected clock works the same as in the database).
 */
export function createRedisChallengeStore(
  redis: RedisCommands,
  options: { keyPrefix: string },
): ChallengeStore {
  return {
    async put(challenge, ttlMs, nowMs) {
      const value = JSON.stringify({ ...challenge, expiresAtMs: nowMs + ttlMs });
      await redis.set(
        options.keyPrefix + challenge.challenge,
        value,
        "PX",
        Math.max(1, Math.ceil(ttlMs)),
        "NX",
      );
    },
    async consume(challenge, purpose, nowMs) {
      if (challenge.length === 0 || challenge.length > MAX_CHALLENGE_LENGTH) return undefined;
      const raw = await redis.getdel(options.keyPrefix + challenge);
      if (raw === null) return undefined;
      const stored = JSON.parse(raw) as StoredChallenge & { expiresAtMs: number };
      if (stored.purpose !== purpose || stored.expiresAtMs <= nowMs) return undefined;
      return { userId: stored.userId, purpose: stored.purpose, challenge: stored.challenge };
    },
    async claim(value, purpose, ttlMs, nowMs) {
      if (value.length === 0 || value.length > MAX_CHALLENGE_LENGTH) return false;
      const marker = JSON.stringify({ purpose, expiresAtMs: nowMs + ttlMs });
      const key = `${options.keyPrefix}claimed:${purpose}:${value}`;
      const set = await redis.set(key, marker, "PX", Math.max(1, Math.ceil(ttlMs)), "NX");
      return set === "OK";
    },
  };
}
