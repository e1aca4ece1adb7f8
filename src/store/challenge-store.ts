/**
 * Where WebAuthn challenges wait between the options call and the answer: the database (one
 * instance, or several without Redis) or Redis (several instances). The challenge value itself
 * is the lookup key: the answer carries it back in its clientDataJSON, so clients keep no state.
 * Consumption is atomic in both (DELETE … RETURNING; GETDEL): a challenge is used once.
 */
import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import { toEpochMs } from "./columns.js";
import { createHash } from "node:crypto";
import { consumeChallenge, deleteExpiredChallenges } from "./challenges.js";
import { canonicalId } from "./ids.js";
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

/**
 * The row id of a challenge: a UUID made of the first 16 bytes of SHA-256(challenge) (version
 * and variant bits set), so the answer finds its row by primary key, never by a scan.
 */
export function challengeRowId(challenge: string): string {
  const bytes = createHash("sha256").update(challenge, "utf8").digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8: custom (RFC 9562 §5.8)
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10 (RFC 9562 §4.1)
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Challenges in the `auth_challenges` table; expired rows are swept at each `put`. */
export function createDatabaseChallengeStore(db: Kysely<Database>): ChallengeStore {
  return {
    async put(challenge, ttlMs, nowMs) {
      await deleteExpiredChallenges(db, new Date(nowMs));
      const userId = challenge.userId === null ? null : (canonicalId(challenge.userId) ?? null);
      await db
        .insertInto("auth_challenges")
        .values({
          id: challengeRowId(challenge.challenge),
          user_id: userId,
          purpose: challenge.purpose,
          challenge: challenge.challenge,
          expires_at: toEpochMs(new Date(nowMs + ttlMs)),
        })
        .execute();
    },
    async consume(challenge, purpose, nowMs) {
      if (challenge.length === 0 || challenge.length > MAX_CHALLENGE_LENGTH) return undefined;
      const row = await consumeChallenge(db, challengeRowId(challenge), purpose, new Date(nowMs));
      if (row === undefined || row.challenge !== challenge) return undefined;
      return { userId: row.userId, purpose, challenge: row.challenge };
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
