import { expect, it } from "vitest";
import { NotFoundError } from "../../src/core/errors.js";
import {
  consumeChallenge,
  createChallenge,
  insertUser,
  deleteExpiredChallenges,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW = new Date(Date.UTC(2026, 10, 28, 12, 0, 0, 0));
const NOW_MS = NOW.getTime();

describeStore("challenges", (database) => {
  it("consumes a challenge exactly once", async () => {
    const user = await insertUser(database.db, {
      name: "u",
      email: "u@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    const id = await createChallenge(database.db, {
      userId: user.id,
      purpose: "webauthn_login",
      challenge: "random-challenge",
      expiresAtMs: NOW_MS + 60_000,
    });
    expect(await consumeChallenge(database.db, id, "webauthn_login", NOW_MS)).toEqual({
      userId: user.id,
      challenge: "random-challenge",
    });
    expect(await consumeChallenge(database.db, id, "webauthn_login", NOW_MS)).toBeUndefined();
  });

  it("keeps a challenge asked for with the wrong purpose", async () => {
    const id = await createChallenge(database.db, {
      userId: null,
      purpose: "webauthn_register",
      challenge: "c",
      expiresAtMs: NOW_MS + 60_000,
    });
    expect(await consumeChallenge(database.db, id, "webauthn_login", NOW_MS)).toBeUndefined();
    expect(await consumeChallenge(database.db, id, "webauthn_register", NOW_MS)).toEqual({
      userId: null,
      challenge: "c",
    });
  });

  it("consumes an expired challenge but returns nothing for it, at the expiry instant too", async () => {
    const expired = await createChallenge(database.db, {
      userId: null,
      purpose: "p",
      challenge: "c",
      expiresAtMs: NOW_MS,
    });
    expect(await consumeChallenge(database.db, expired, "p", NOW_MS)).toBeUndefined();
    expect(await database.db.selectFrom("auth_challenges").selectAll().execute()).toEqual([]);
    const fresh = await createChallenge(database.db, {
      userId: null,
      purpose: "p",
      challenge: "c",
      expiresAtMs: NOW_MS + 1,
    });
    expect(await consumeChallenge(database.db, fresh, "p", NOW_MS)).toBeDefined();
  });

  it("answers undefined for unknown and malformed ids", async () => {
    expect(
      await consumeChallenge(database.db, "00000000-0000-4000-8000-000000000000", "p", NOW_MS),
    ).toBeUndefined();
    expect(await consumeChallenge(database.db, "garbage", "p", NOW_MS)).toBeUndefined();
  });

  it("refuses a challenge for a user that does not exist", async () => {
    for (const userId of ["00000000-0000-4000-8000-000000000000", "garbage"]) {
      await expect(
        createChallenge(database.db, {
          userId,
          purpose: "p",
          challenge: "c",
          expiresAtMs: NOW_MS + 1,
        }),
      ).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it("deletes expired challenges and keeps the others", async () => {
    for (const offset of [-2000, -1, 0, 1, 5000]) {
      await createChallenge(database.db, {
        userId: null,
        purpose: "p",
        challenge: "c",
        expiresAtMs: NOW_MS + offset,
      });
    }
    expect(await deleteExpiredChallenges(database.db, NOW_MS)).toBe(3);
    expect(await deleteExpiredChallenges(database.db, NOW_MS)).toBe(0);
    const left = await database.db
      .selectFrom("auth_challenges")
      .select("expires_at")
      .orderBy("expires_at")
      .execute();
    expect(left.map((r) => r.expires_at)).toEqual([NOW.getTime() + 1, NOW.getTime() + 5000]);
  });
});
