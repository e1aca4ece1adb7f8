/**
 * Where WebAuthn challenges wait between the options call and the answer: the database (one
 * instance, or several without Redis) or Redis (several instances). The challenge value itself
 * is the lookup key: the answer carries it back in its clientDataJSON, so clients keep no state.
 * Consumption is atomic in both (DELETE … RETURNING; GETDEL): a challenge is used once.
 */
import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import { toEpochMs } from "./columns.js";
import { createChallenge, deleteExpiredChallenges } from "./challenges.js";
import type { Database } from "./schema.js";

/** A challenge as stored. */
export interface StoredChallenge {
  userId: string | null;
  purpose: string;
  challenge: string;
}

export interface ChallengeStore {
  /** Keeps a challenge for `ttlMs` from `nowMs`. */
  put(challenge: StoredChallenge, ttlMs: number, nowMs: number): Promise<void>;
  /** Atomic consume-once; undefined when unknown, used, expired or of another purpose. */
  consume(challenge: string, purpose: string, nowMs: number): Promise<StoredChallenge | undefined>;
}

/** Longest challenge value accepted as a key (base64url of 32 bytes is 43 characters). */
const MAX_CHALLENGE_LENGTH = 128;

/** Challenges in the `auth_challenges` table; expired rows are swept at each `put`. */
export function createDatabaseChallengeStore(db: Kysely<Database>): ChallengeStore {
  return {
    async put(challenge, ttlMs, nowMs) {
      await deleteExpiredChallenges(db, new Date(nowMs));
      await createChallenge(db, { ...challenge, expiresAt: new Date(nowMs + ttlMs) });
    },
    async consume(challenge, purpose, nowMs) {
      if (challenge.length === 0 || challenge.length > MAX_CHALLENGE_LENGTH) return undefined;
      const row = await db
        .deleteFrom("auth_challenges")
        .where("challenge", "=", challenge)
        .where("purpose", "=", purpose)
        .returning(["user_id", "challenge", "expires_at"])
        .executeTakeFirst();
      if (row === undefined || Number(row.expires_at) <= toEpochMs(new Date(nowMs)))
        return undefined;
      return { userId: row.user_id, purpose, challenge: row.challenge };
    },
  };
}

/**
 * Challenges in Redis under `keyPrefix + challenge`, with the expiry both as the key's TTL
 * (clean-up) and in the value (decides, so an injected clock works the same as in the database).
 */
export function createRedisChallengeStore(
  redis: Redis,
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
  };
}
