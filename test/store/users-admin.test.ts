/**
 * The store side of issue 11 item 5 on every dialect: the last admin is never demoted or
 * deleted, also by statements racing on separate connections (PostgreSQL's pool); the lock
 * columns; the lock gate of new sessions.
 */
import { expect, it } from "vitest";
import { ConflictError } from "../../src/core/errors.js";
import {
  insertUser,
  deleteUserRow,
  unsetUserAdmin,
  getUserById,
  holdUnlockedUser,
  lockUser,
  unlockUser,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$fakefakefakefakefakefakefakefakefakefakefak";
const NOW = new Date(Date.UTC(2026, 10, 30, 9));
const NOW_MS = NOW.getTime();

describeStore("users: admins and locks", (database) => {
  let counter = 0;
  const make = (isAdmin: boolean) => {
    counter += 1;
    return insertUser(database.db, {
      name: `u${counter}`,
      email: `u${counter}@example.org`,
      passwordHash: HASH,
      isAdmin,
      nowMs: NOW_MS,
    });
  };
  const admins = async () =>
    (await database.db.selectFrom("users").select("id").where("is_admin", "=", 1).execute()).length;

  it("demotes an admin while another remains, and refuses the last one with last_admin", async () => {
    const a = await make(true);
    const b = await make(true);
    expect(await unsetUserAdmin(database.db, b.id, NOW_MS)).toMatchObject({
      id: b.id,
      isAdmin: false,
    });
    const error = await unsetUserAdmin(database.db, a.id, NOW_MS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: "last_admin" });
    await expect(deleteUserRow(database.db, a.id)).rejects.toMatchObject({ code: "last_admin" });
    expect(await admins()).toBe(1);
    // Non-admins are demoted (a no-op) and deleted freely; unknown ids are undefined/false.
    expect(await unsetUserAdmin(database.db, b.id, NOW_MS)).toMatchObject({ isAdmin: false });
    expect(await deleteUserRow(database.db, b.id)).toBe(true);
    expect(await unsetUserAdmin(database.db, "00000000-0000-4000-8000-000000000000", NOW_MS)).toBe(
      undefined,
    );
    expect(await deleteUserRow(database.db, "00000000-0000-4000-8000-000000000000")).toBe(false);
  });

  it("keeps one admin when demotions and deletions of every admin race", async () => {
    for (let round = 0; round < 10; round++) {
      await database.db.deleteFrom("users").execute();
      const team = await Promise.all([make(true), make(true), make(true)]);
      const results = await Promise.allSettled(
        team.map((user, i): Promise<unknown> =>
          i % 2 === 0
            ? unsetUserAdmin(database.db, user.id, NOW_MS)
            : deleteUserRow(database.db, user.id),
        ),
      );
      for (const result of results) {
        if (result.status === "rejected") {
          expect(result.reason).toMatchObject({ code: "last_admin" });
        }
      }
      expect(await admins(), `round ${round}`).toBe(1);
    }
  });

  it("stores, reads and clears a lock; the gate holds only an unlocked user", async () => {
    const user = await make(false);
    expect(await holdUnlockedUser(database.db, user.id, NOW_MS)).toBe(true);
    const until = new Date(NOW.getTime() + 60_000);
    const locked = await lockUser(database.db, user.id, {
      reason: "why\u0000",
      untilMs: until.getTime(),
      nowMs: NOW_MS,
    });
    expect(locked).toMatchObject({ lockedAt: NOW, lockedUntil: until, lockReason: "why\ufffd" });
    expect(await holdUnlockedUser(database.db, user.id, NOW_MS)).toBe(false);
    // The lock's end is the first moment it no longer holds.
    expect(await holdUnlockedUser(database.db, user.id, until.getTime())).toBe(true);
    await lockUser(database.db, user.id, { reason: "for good", untilMs: null, nowMs: NOW_MS });
    expect(await holdUnlockedUser(database.db, user.id, Date.UTC(2099, 0))).toBe(false);
    expect(await unlockUser(database.db, user.id, NOW_MS)).toMatchObject({
      lockedAt: null,
      lockedUntil: null,
      lockReason: null,
    });
    expect(await holdUnlockedUser(database.db, user.id, NOW_MS)).toBe(true);
    expect((await getUserById(database.db, user.id))?.lockedAt).toBeNull();
    expect(
      await holdUnlockedUser(database.db, "00000000-0000-4000-8000-000000000000", NOW_MS),
    ).toBe(false);
  });
});
