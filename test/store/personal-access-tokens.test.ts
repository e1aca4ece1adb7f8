/**
 * The `personal_access_tokens` table (issue 23) on every dialect: the live-token cap under
 * parallel inserts (exactly the cap, never more), the lookup by digest, revocation (one, all of
 * a user's, never revived), and the last use written at most once a minute.
 */
import { expect, it } from "vitest";
import { ConflictError } from "../../src/core/errors.js";
import {
  findPersonalAccessTokenByHash,
  insertPersonalAccessToken,
  insertUser,
  listLivePersonalAccessTokens,
  revokePersonalAccessToken,
  revokeUserPersonalAccessTokens,
  touchPersonalAccessToken,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW = Date.UTC(2026, 10, 28, 12);
const DAY = 86_400_000;

describeStore("personal access tokens", (ctx) => {
  const user = (name: string) =>
    insertUser(ctx.db, { name, email: `${name}@example.org`, passwordHash: "x", nowMs: NOW });
  const insert = (userId: string, hash: string, maxLive = 50) =>
    insertPersonalAccessToken(ctx.db, {
      userId,
      name: hash,
      tokenHash: hash,
      scopes: ["profile:read"],
      nowMs: NOW,
      expiresAtMs: NOW + DAY,
      maxLive,
    });

  it("holds the live-token cap under parallel inserts: exactly the cap", async () => {
    const { id } = await user("capped");
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => insert(id, `hash-${i}`, 3)),
    );
    const made = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter(
      (r) => r.status === "rejected" && r.reason instanceof ConflictError,
    );
    expect(made).toHaveLength(3);
    expect(refused).toHaveLength(5);
    expect(await listLivePersonalAccessTokens(ctx.db, id, NOW, 50)).toHaveLength(3);
  });

  it("finds by digest, revokes one and all, and never revives", async () => {
    const { id } = await user("revoked");
    const first = await insert(id, "first");
    await insert(id, "second");
    expect((await findPersonalAccessTokenByHash(ctx.db, "first"))?.id).toBe(first.id);
    const revoke = { nowMs: NOW, reason: "revoked_by_user" };
    expect(await revokePersonalAccessToken(ctx.db, id, first.id, revoke)).toBe(true);
    expect(await revokePersonalAccessToken(ctx.db, id, first.id, revoke)).toBe(false);
    expect((await findPersonalAccessTokenByHash(ctx.db, "first"))?.revokedAt).toEqual(
      new Date(NOW),
    );
    expect(
      await revokeUserPersonalAccessTokens(ctx.db, id, { nowMs: NOW, reason: "user_locked" }),
    ).toBe(1);
    expect(await listLivePersonalAccessTokens(ctx.db, id, NOW, 50)).toEqual([]);
    expect(await touchPersonalAccessToken(ctx.db, first.id, { nowMs: NOW, address: "x" })).toBe(
      false,
    );
  });

  it("writes the last use at most once a minute", async () => {
    const { id } = await user("touched");
    const token = await insert(id, "touched");
    const touch = (nowMs: number, address: string) =>
      touchPersonalAccessToken(ctx.db, token.id, { nowMs, address });
    expect(await touch(NOW, "192.0.2.1")).toBe(true);
    expect(await touch(NOW + 59_999, "192.0.2.2")).toBe(false);
    expect(await touch(NOW + 60_000, "192.0.2.2")).toBe(true);
    const found = await findPersonalAccessTokenByHash(ctx.db, "touched");
    expect(found?.lastUsedAt).toEqual(new Date(NOW + 60_000));
    expect(found?.lastUsedAddress).toBe("192.0.2.2");
  });
});
