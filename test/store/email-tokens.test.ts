/**
 * The `email_tokens` table (src/store/email-tokens.ts): a token is used at most once, even by
 * concurrent calls, never after its expiry, and voided tokens are dead; on both dialects.
 */
import { expect, it } from "vitest";
import {
  consumeEmailToken,
  insertUser,
  deleteExpiredEmailTokens,
  findLiveEmailToken,
  insertEmailToken,
  voidEmailTokenRecords,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW = new Date(Date.UTC(2026, 10, 28, 12, 0, 0, 0));
const NOW_MS = NOW.getTime();

describeStore("email tokens", (database) => {
  const user = () =>
    insertUser(database.db, {
      name: "u",
      email: "u@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });

  it("uses a token once and keeps its data", async () => {
    const { id: userId } = await user();
    const id = await insertEmailToken(database.db, {
      userId,
      purpose: "password_reset",
      tokenHash: "a".repeat(64),
      data: { fingerprint: "x" },
      expiresAtMs: NOW_MS + 60_000,
      nowMs: NOW_MS,
    });
    expect(
      await findLiveEmailToken(database.db, "a".repeat(64), "password_reset", NOW_MS),
    ).toMatchObject({ id });
    const used = await consumeEmailToken(database.db, "a".repeat(64), "password_reset", NOW_MS);
    expect(used).toMatchObject({
      id,
      userId,
      purpose: "password_reset",
      data: { fingerprint: "x" },
    });
    expect(
      await consumeEmailToken(database.db, "a".repeat(64), "password_reset", NOW_MS),
    ).toBeUndefined();
    expect(
      await findLiveEmailToken(database.db, "a".repeat(64), "password_reset", NOW_MS),
    ).toBeUndefined();
  });

  it("gives a token to one of many concurrent uses", async () => {
    await insertEmailToken(database.db, {
      userId: null,
      purpose: "invitation",
      tokenHash: "b".repeat(64),
      data: { email: "new@example.org" },
      expiresAtMs: NOW_MS + 60_000,
      nowMs: NOW_MS,
    });
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        consumeEmailToken(database.db, "b".repeat(64), "invitation", NOW_MS),
      ),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it("refuses a token of another purpose, at its expiry instant, and after voiding", async () => {
    const { id: userId } = await user();
    for (const [hash, purpose] of [
      ["c", "password_reset"],
      ["d", "password_reset"],
      ["e", "not_me"],
    ] as const) {
      await insertEmailToken(database.db, {
        userId,
        purpose,
        tokenHash: hash.repeat(64),
        data: {},
        expiresAtMs: NOW_MS + 60_000,
        nowMs: NOW_MS,
      });
    }
    expect(await consumeEmailToken(database.db, "c".repeat(64), "not_me", NOW_MS)).toBeUndefined();
    expect(
      await consumeEmailToken(database.db, "c".repeat(64), "password_reset", NOW_MS + 60_000),
    ).toBeUndefined();
    expect(await voidEmailTokenRecords(database.db, userId, "password_reset", NOW_MS)).toBe(2);
    expect(
      await consumeEmailToken(database.db, "d".repeat(64), "password_reset", NOW_MS),
    ).toBeUndefined();
    // Another purpose is untouched.
    expect(await consumeEmailToken(database.db, "e".repeat(64), "not_me", NOW_MS)).toBeDefined();
  });

  it("deletes tokens expired before a time, and a user's tokens with the user", async () => {
    const { id: userId } = await user();
    await insertEmailToken(database.db, {
      userId,
      purpose: "not_me",
      tokenHash: "f".repeat(64),
      data: {},
      expiresAtMs: NOW_MS + 1_000,
      nowMs: NOW_MS,
    });
    expect(await deleteExpiredEmailTokens(database.db, NOW_MS)).toBe(0);
    expect(await deleteExpiredEmailTokens(database.db, NOW_MS + 2_000)).toBe(1);
    await insertEmailToken(database.db, {
      userId,
      purpose: "not_me",
      tokenHash: "g".repeat(64),
      data: {},
      expiresAtMs: NOW_MS + 1_000,
      nowMs: NOW_MS,
    });
    await database.db.deleteFrom("users").where("id", "=", userId).execute();
    expect(await database.db.selectFrom("email_tokens").selectAll().execute()).toEqual([]);
  });
});
