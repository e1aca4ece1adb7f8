/**
 * Challenges in the database: the `auth_challenges` table (single-use challenges, consumed
 * atomically) and the `ChallengeStore` over it, for one instance or several without Redis.
 */
import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import { toEpochMs } from "../columns.js";
import { canonicalId } from "../ids.js";
import type { Database } from "../schema.js";
import {
  DEFAULT_MAX_LIVE_ANONYMOUS_CHALLENGES,
  MAX_CHALLENGE_LENGTH,
  tooManyChallenges,
  type ChallengeStore,
} from "./types.js";

/** A consumed challenge. */
export interface ConsumedChallenge {
  userId: string | null;
  challenge: string;
}

type Db = Kysely<Database>;

/**
 * Consumes a challenge once: one `DELETE … RETURNING`, so of two concurrent calls only one gets
 * it. Undefined when there is no such challenge for `purpose`, or when it had expired
 * (`expiresAtMs <= nowMs`; an expired challenge is consumed all the same).
 */
export async function consumeChallenge(
  db: Db,
  id: string,
  purpose: string,
  nowMs: number,
): Promise<ConsumedChallenge | undefined> {
  const challengeId = canonicalId(id);
  if (challengeId === undefined) return undefined;
  const now = toEpochMs(nowMs);
  const row = await db
    .deleteFrom("auth_challenges")
    .where("id", "=", challengeId)
    .where("purpose", "=", purpose)
    .returning(["user_id", "challenge", "expires_at"])
    .executeTakeFirst();
  if (row === undefined || Number(row.expires_at) <= now) return undefined;
  return { userId: row.user_id, challenge: row.challenge };
}

/** Deletes every challenge expired at `nowMs`; how many. */
export async function deleteExpiredChallenges(db: Db, nowMs: number): Promise<number> {
  const result = await db
    .deleteFrom("auth_challenges")
    .where("expires_at", "<=", toEpochMs(nowMs))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

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
  db: Db,
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
    async claim(value, purpose, ttlMs, nowMs) {
      if (value.length === 0 || value.length > MAX_CHALLENGE_LENGTH) return false;
      // A marker left by an expired claim would refuse the value forever: swept first.
      await deleteExpiredChallenges(db, nowMs);
      const result = await db
        .insertInto("auth_challenges")
        .values({
          id: challengeRowId(`${purpose}:${value}`),
          user_id: null,
          purpose,
          challenge: value,
          expires_at: toEpochMs(nowMs + ttlMs),
        })
        .onConflict((conflict) => conflict.column("id").doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
  };
}
