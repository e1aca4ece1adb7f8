/** The `auth_challenges` table: single-use challenges, consumed atomically. */
import type { Kysely } from "kysely";
import { NotFoundError } from "../core/errors.js";
import { toEpochMs } from "./columns.js";
import { isForeignKeyViolation } from "./dialect.js";
import { canonicalId, newId } from "./ids.js";
import type { Database } from "./schema.js";

/** What `createChallenge` stores; `userId` null for a challenge not yet tied to a user. */
export interface NewChallenge {
  userId: string | null;
  purpose: string;
  challenge: string;
  expiresAtMs: number;
}

/** A consumed challenge. */
export interface ConsumedChallenge {
  userId: string | null;
  challenge: string;
}

type Db = Kysely<Database>;

/** Stores a challenge and returns its new id. Throws `NotFoundError` for an unknown user. */
export async function createChallenge(db: Db, input: NewChallenge): Promise<string> {
  let userId: string | null = null;
  if (input.userId !== null) {
    userId = canonicalId(input.userId) ?? null;
    if (userId === null) throw new NotFoundError("No such user");
  }
  const id = newId();
  try {
    await db
      .insertInto("auth_challenges")
      .values({
        id,
        user_id: userId,
        purpose: input.purpose,
        challenge: input.challenge,
        expires_at: toEpochMs(input.expiresAtMs),
      })
      .execute();
  } catch (error) {
    if (isForeignKeyViolation(error)) throw new NotFoundError("No such user", { cause: error });
    throw error;
  }
  return id;
}

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
