/**
 * Where WebAuthn challenges wait between the options call and the answer: the database (one
 * instance, or several without Redis) or Redis (several instances). The challenge value itself
 * is the lookup key: the answer carries it back in its clientDataJSON, so clients keep no state.
 * Consumption is atomic in both (DELETE … RETURNING; GETDEL): a challenge is used once.
 */
import type { Kysely } from "kysely";
import { InternalError } from "../core/errors.js";
import { toEpochMs } from "./columns.js";
import { createHash } from "node:crypto";
import { consumeChallenge, deleteExpiredChallenges } from "./challenges.js";
import { canonicalId } from "./ids.js";
import type { RedisCommands } from "./redis.js";
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

/**
 * Most challenges not tied to a user (passwordless sign-in: anyone may ask for one) alive at
 * once, per store (issue 14 item 9). At the per-address limit of the options route (30 a minute)
 * and a 5-minute life, it takes over 66 client networks at full speed to fill; past it new
 * options get 503 with Retry-After until old ones expire, and memory or rows stay bounded.
 */
export const DEFAULT_MAX_LIVE_ANONYMOUS_CHALLENGES = 10_000;

function tooManyChallenges(): InternalError {
  return new InternalError("Too many pending passkey challenges", {
    code: "service_unavailable",
  });
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

/**
 * Challenges in the `auth_challenges` table; expired rows are swept at each `put`, and at most
 * `maxAnonymous` passwordless ones live at once (see `DEFAULT_MAX_LIVE_ANONYMOUS_CHALLENGES`).
 */
export function createDatabaseChallengeStore(
  db: Kysely<Database>,
  maxAnonymous = DEFAULT_MAX_LIVE_ANONYMOUS_CHALLENGES,
): ChallengeStore {
  return {
    async put(challenge, ttlMs, nowMs) {
      await deleteExpiredChallenges(db, nowMs);
      if (challenge.userId === null) {
        // Expired rows were just deleted: every row left is live.
        const { count } = await db
          .selectFrom("auth_challenges")
          .where("user_id", "is", null)
          .select((eb) => eb.fn.countAll<number>().as("count"))
          .executeTakeFirstOrThrow();
        if (Number(count) >= maxAnonymous) throw tooManyChallenges();
      }
      const userId = challenge.userId === null ? null : (canonicalId(challenge.userId) ?? null);
      await db
        .insertInto("auth_challenges")
        .values({
          id: challengeRowId(challenge.challenge),
          user_id: userId,
          purpose: challenge.purpose,
          challenge: challenge.challenge,
          expires_at: toEpochMs(nowMs + ttlMs),
        })
        .execute();
    },
    async consume(challenge, purpose, nowMs) {
      if (challenge.length === 0 || challenge.length > MAX_CHALLENGE_LENGTH) return undefined;
      const row = await consumeChallenge(db, challengeRowId(challenge), purpose, nowMs);
      if (row === undefined || row.challenge !== challenge) return undefined;
      return { userId: row.userId, purpose, challenge: row.challenge };
    },
  };
}

/**
 * Challenges in this process's memory (issue 14 item 9: an unauthenticated endpoint should not
 * write database rows): the default of a single instance on SQLite without Redis. Consumed
 * once (delete on read, one synchronous step). Expired ones are swept at each `put`; at most
 * `maxAnonymous` passwordless ones live at once, and all of them together at most twice that.
 */
export function createMemoryChallengeStore(
  maxAnonymous = DEFAULT_MAX_LIVE_ANONYMOUS_CHALLENGES,
): ChallengeStore & { readonly size: number } {
  const live = new Map<string, StoredChallenge & { expiresAtMs: number }>();
  let anonymous = 0;
  let lastSweepMs = Number.NEGATIVE_INFINITY;
  const remove = (key: string) => {
    const stored = live.get(key);
    if (stored === undefined) return;
    live.delete(key);
    if (stored.userId === null) anonymous -= 1;
  };
  return {
    get size() {
      return live.size;
    },
    async put(challenge, ttlMs, nowMs) {
      const full =
        challenge.userId === null ? anonymous >= maxAnonymous : live.size >= 2 * maxAnonymous;
      // A sweep is a full pass: once a second, or when full.
      if (full || nowMs - lastSweepMs >= 1_000 || nowMs < lastSweepMs) {
        lastSweepMs = nowMs;
        for (const [key, stored] of live) if (stored.expiresAtMs <= nowMs) remove(key);
      }
      if (challenge.userId === null ? anonymous >= maxAnonymous : live.size >= 2 * maxAnonymous) {
        throw tooManyChallenges();
      }
      if (live.has(challenge.challenge)) return; // as Redis SET NX: the first one stays
      live.set(challenge.challenge, { ...challenge, expiresAtMs: nowMs + ttlMs });
      if (challenge.userId === null) anonymous += 1;
    },
    async consume(challenge, purpose, nowMs) {
      const stored = live.get(challenge);
      if (stored === undefined) return undefined;
      remove(challenge);
      if (stored.purpose !== purpose || stored.expiresAtMs <= nowMs) return undefined;
      return { userId: stored.userId, purpose: stored.purpose, challenge: stored.challenge };
    },
  };
}

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
  };
}
