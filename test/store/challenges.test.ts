/**
 * The database challenge store, as production builds it (`createDatabaseChallengeStore`: the
 * challenge store on PostgreSQL without Redis, see src/runtime.ts), on every dialect: a
 * challenge is found by the row id its value hashes to, handed out once, never after its expiry,
 * and expired rows are swept when a new one is stored. The cap on passwordless challenges is in
 * test/http/routes/passkey-options.security.test.ts; racing consumers in concurrency.test.ts.
 */
import { expect, it } from "vitest";
import {
  challengeRowId,
  createDatabaseChallengeStore,
  type StoredChallenge,
} from "../../src/store/challenges/index.js";
import { insertUser } from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW_MS = Date.UTC(2026, 10, 28, 12, 0, 0, 0);
const TTL_MS = 5 * 60_000;
const REGISTER = "webauthn_register";
const PASSWORDLESS = "webauthn_passwordless";

function anonymous(challenge: string, purpose = PASSWORDLESS): StoredChallenge {
  return { userId: null, purpose, challenge };
}

describeStore("the database challenge store", (database) => {
  const store = () => createDatabaseChallengeStore(database.db);
  const expiries = async () =>
    (
      await database.db
        .selectFrom("auth_challenges")
        .select("expires_at")
        .orderBy("expires_at")
        .execute()
    ).map((row) => Number(row.expires_at));

  it("hands a challenge out once, with its user and purpose", async () => {
    const user = await insertUser(database.db, {
      name: "u",
      email: "u@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    const challenges = store();
    const issued = { userId: user.id, purpose: REGISTER, challenge: "random-challenge" };
    await challenges.put(issued, TTL_MS, NOW_MS);
    expect(await challenges.consume("random-challenge", REGISTER, NOW_MS)).toEqual(issued);
    expect(await challenges.consume("random-challenge", REGISTER, NOW_MS)).toBeUndefined();
    expect(await expiries()).toEqual([]);
  });

  it("stores a challenge under the row id its value hashes to", async () => {
    await store().put(anonymous("looked-up-by-key"), TTL_MS, NOW_MS);
    const rows = await database.db
      .selectFrom("auth_challenges")
      .select(["id", "user_id"])
      .execute();
    expect(rows).toEqual([{ id: challengeRowId("looked-up-by-key"), user_id: null }]);
  });

  it("keeps a challenge asked for with another purpose", async () => {
    const challenges = store();
    await challenges.put(anonymous("c"), TTL_MS, NOW_MS);
    expect(await challenges.consume("c", REGISTER, NOW_MS)).toBeUndefined();
    expect(await challenges.consume("c", PASSWORDLESS, NOW_MS)).toEqual(anonymous("c"));
  });

  it("consumes an expired challenge but returns nothing for it, at the expiry instant too", async () => {
    const challenges = store();
    await challenges.put(anonymous("expiring"), TTL_MS, NOW_MS);
    expect(await challenges.consume("expiring", PASSWORDLESS, NOW_MS + TTL_MS)).toBeUndefined();
    expect(await expiries()).toEqual([]);
    await challenges.put(anonymous("fresh"), TTL_MS, NOW_MS);
    expect(await challenges.consume("fresh", PASSWORDLESS, NOW_MS + TTL_MS - 1)).toBeDefined();
  });

  it("answers undefined for a challenge never issued, an empty one and one over 128 characters", async () => {
    const challenges = store();
    const long = "x".repeat(129);
    await challenges.put(anonymous(long), TTL_MS, NOW_MS);
    for (const challenge of ["never-issued", "", long]) {
      expect(await challenges.consume(challenge, PASSWORDLESS, NOW_MS), challenge).toBeUndefined();
    }
    // The over-long one was refused before any lookup: its row is still there.
    expect(await expiries()).toEqual([NOW_MS + TTL_MS]);
  });

  it("deletes the challenges expired when a new one is stored, and keeps the others", async () => {
    const challenges = store();
    // Stored in the past with expiries around NOW_MS, each before the next one's sweep reaches it.
    for (const offsetMs of [-2000, -1, 0, 1, 5000]) {
      await challenges.put(anonymous(`c${offsetMs}`), TTL_MS, NOW_MS + offsetMs - TTL_MS);
    }
    expect(await expiries()).toHaveLength(5);
    await challenges.put(anonymous("new"), TTL_MS, NOW_MS);
    expect(await expiries()).toEqual([NOW_MS + 1, NOW_MS + 5000, NOW_MS + TTL_MS]);
  });
});
