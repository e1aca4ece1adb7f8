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
const later = (ms: number) => new Date(NOW.getTime() + ms);

describeStore("challenges", (database) => {
  it("consumes a challenge exactly once", async () => {
    const user = await insertUser(database.db, {
      name: "u",
      email: "u@example.org",
      passwordHash: "h",
      now: NOW,
    });
    const id = await createChallenge(database.db, {
      userId: user.id,
      purpose: "webauthn_login",
      challenge: "random-challenge",
      expiresAt: later(60_000),
    });
    expect(await consumeChallenge(database.db, id, "webauthn_login", NOW)).toEqual({
      userId: user.id,
      challenge: "random-challenge",
    });
    expect(await consumeChallenge(database.db, id, "webauthn_login", NOW)).toBeUndefined();
  });

  it("keeps a challenge asked for with the wrong purpose", async () => {
    const id = await createChallenge(database.db, {
      userId: null,
      purpose: "webauthn_register",
      challenge: "c",
      expiresAt: later(60_000),
    });
    expect(await consumeChallenge(database.db, id, "webauthn_login", NOW)).toBeUndefined();
    expect(await consumeChallenge(database.db, id, "webauthn_register", NOW)).toEqual({
      userId: null,
      challenge: "c",
    });
  });

  it("consumes an expired challenge but returns nothing for it, at the expiry instant too", async () => {
    const expired = await createChallenge(database.db, {
      userId: null,
      purpose: "p",
      challenge: "c",
      expiresAt: NOW,
    });
    expect(await consumeChallenge(database.db, expired, "p", NOW)).toBeUndefined();
    expect(await database.db.selectFrom("auth_challenges").selectAll().execute()).toEqual([]);
    const fresh = await createChallenge(database.db, {
      userId: null,
      purpose: "p",
      challenge: "c",
      expiresAt: later(1),
    });
    expect(await consumeChallenge(database.db, fresh, "p", NOW)).toBeDefined();
  });

  it("answers undefined for unknown and malformed ids", async () => {
    expect(
      await consumeChallenge(database.db, "00000000-0000-4000-8000-000000000000", "p", NOW),
    ).toBeUndefined();
    expect(await consumeChallenge(database.db, "garbage", "p", NOW)).toBeUndefined();
  });

  it("refuses a challenge for a user that does not exist", async () => {
    for (const userId of ["00000000-0000-4000-8000-000000000000", "garbage"]) {
      await expect(
        createChallenge(database.db, { userId, purpose: "p", challenge: "c", expiresAt: later(1) }),
      ).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it("deletes expired challenges and keeps the others", async () => {
    for (const offset of [-2000, -1, 0, 1, 5000]) {
      await createChallenge(database.db, {
        userId: null,
        purpose: "p",
        challenge: "c",
        expiresAt: later(offset),
      });
    }
    expect(await deleteExpiredChallenges(database.db, NOW)).toBe(3);
    expect(await deleteExpiredChallenges(database.db, NOW)).toBe(0);
    const left = await database.db
      .selectFrom("auth_challenges")
      .select("expires_at")
      .orderBy("expires_at")
      .execute();
    expect(left.map((r) => r.expires_at)).toEqual([NOW.getTime() + 1, NOW.getTime() + 5000]);
  });
});
