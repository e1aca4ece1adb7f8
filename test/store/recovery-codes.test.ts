/**
 * The `recovery_codes` table and `users.recovery_codes_left` (src/store/recovery-codes.ts) on
 * every dialect: a set replaces the previous one, a code is used at most once even by
 * concurrent calls, the count follows, and rows go with their user.
 */
import { beforeEach, expect, it } from "vitest";
import { NotFoundError } from "../../src/core/errors.js";
import {
  consumeRecoveryCode,
  insertUser,
  deleteRecoveryCodes,
  deleteUserRow,
  findUnusedRecoveryCode,
  getRecoveryCodeSetState,
  getUserById,
  replaceRecoveryCodes,
  type User,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();
const LATER = new Date(Date.UTC(2026, 10, 29, 12));
const UNKNOWN_USER = "00000000-0000-4000-8000-000000000000";
const set = (prefix: string, count = 3) =>
  Array.from({ length: count }, (_, i) => ({ index: `${prefix}${i}`, hash: `hash-${prefix}${i}` }));

describeStore("recovery codes", (database) => {
  let user: User;
  beforeEach(async () => {
    user = await insertUser(database.db, {
      name: "owner",
      email: "o@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
  });
  const left = async () => (await getUserById(database.db, user.id))?.recoveryCodesLeft;

  it("stores a set, finds an unused code by index, and counts it on the user", async () => {
    expect(await replaceRecoveryCodes(database.db, user.id, set("A"), NOW_MS)).toBe(0);
    expect(await findUnusedRecoveryCode(database.db, user.id, "A1")).toBe("hash-A1");
    expect(await findUnusedRecoveryCode(database.db, user.id, "B1")).toBeUndefined();
    expect(await left()).toBe(3);
    expect(await getRecoveryCodeSetState(database.db, user.id)).toEqual({
      remaining: 3,
      total: 3,
      createdAt: NOW,
    });
  });

  it("uses a code once, only with the hash it was checked against, and counts it off", async () => {
    await replaceRecoveryCodes(database.db, user.id, set("A"), NOW_MS);
    expect(
      await consumeRecoveryCode(database.db, user.id, "A0", "other-hash", LATER.getTime()),
    ).toBe(false);
    expect(await consumeRecoveryCode(database.db, user.id, "A0", "hash-A0", LATER.getTime())).toBe(
      true,
    );
    expect(await consumeRecoveryCode(database.db, user.id, "A0", "hash-A0", LATER.getTime())).toBe(
      false,
    );
    expect(await findUnusedRecoveryCode(database.db, user.id, "A0")).toBeUndefined();
    expect(await left()).toBe(2);
    expect(await getRecoveryCodeSetState(database.db, user.id)).toMatchObject({
      remaining: 2,
      total: 3,
    });
  });

  it("lets exactly one of 10 concurrent uses of one code win", async () => {
    await replaceRecoveryCodes(database.db, user.id, set("A"), NOW_MS);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        consumeRecoveryCode(database.db, user.id, "A1", "hash-A1", LATER.getTime()),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await left()).toBe(2);
  });

  it("replaces the previous set, returning how many of its codes were unused", async () => {
    await replaceRecoveryCodes(database.db, user.id, set("A"), NOW_MS);
    await consumeRecoveryCode(database.db, user.id, "A0", "hash-A0", LATER.getTime());
    expect(await replaceRecoveryCodes(database.db, user.id, set("B", 4), LATER.getTime())).toBe(2);
    expect(await findUnusedRecoveryCode(database.db, user.id, "A1")).toBeUndefined();
    expect(await getRecoveryCodeSetState(database.db, user.id)).toEqual({
      remaining: 4,
      total: 4,
      createdAt: LATER,
    });
    expect(await left()).toBe(4);
  });

  it("deletes the set and clears the count; the rows go with their user", async () => {
    await replaceRecoveryCodes(database.db, user.id, set("A"), NOW_MS);
    expect(await deleteRecoveryCodes(database.db, user.id)).toBe(3);
    expect(await left()).toBeNull();
    expect(await getRecoveryCodeSetState(database.db, user.id)).toEqual({
      remaining: 0,
      total: 0,
      createdAt: null,
    });
    await replaceRecoveryCodes(database.db, user.id, set("A"), NOW_MS);
    await deleteUserRow(database.db, user.id);
    const rows = await database.db.selectFrom("recovery_codes").selectAll().execute();
    expect(rows).toEqual([]);
  });

  it("deletes inside the caller's transaction, and rolls back with it", async () => {
    await replaceRecoveryCodes(database.db, user.id, set("A"), NOW_MS);
    await expect(
      database.db.transaction().execute(async (trx) => {
        expect(await deleteRecoveryCodes(trx, user.id)).toBe(3);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await left()).toBe(3);
    expect(await getRecoveryCodeSetState(database.db, user.id)).toMatchObject({ remaining: 3 });
  });

  it("treats an unknown or malformed user id as no user", async () => {
    await expect(replaceRecoveryCodes(database.db, UNKNOWN_USER, set("A"), NOW_MS)).rejects.toThrow(
      NotFoundError,
    );
    await expect(replaceRecoveryCodes(database.db, "not-a-uuid", set("A"), NOW_MS)).rejects.toThrow(
      NotFoundError,
    );
    expect(await findUnusedRecoveryCode(database.db, "not-a-uuid", "A0")).toBeUndefined();
    expect(await consumeRecoveryCode(database.db, "not-a-uuid", "A0", "h", NOW_MS)).toBe(false);
    expect(await deleteRecoveryCodes(database.db, "not-a-uuid")).toBe(0);
    expect(await getRecoveryCodeSetState(database.db, UNKNOWN_USER)).toMatchObject({ total: 0 });
  });
});
