/**
 * Email tokens (src/services/mail/email-tokens.ts): 256-bit random tokens, stored only as SHA-256,
 * single use, expiring, voidable; malformed tokens never reach the database.
 */
import { expect, it } from "vitest";
import { frozenClock } from "../../../src/core/clock.js";
import {
  findEmailToken,
  hashEmailToken,
  issueEmailToken,
  useEmailToken,
  voidEmailTokens,
} from "../../../src/services/mail/email-tokens.js";
import type { ServiceContext } from "../../../src/services/context.js";
import { insertUser } from "../../../src/store/index.js";
import { describeStore } from "../../helpers/store.js";

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

describeStore("email token service", (database) => {
  const context = () => {
    const clock = frozenClock(T0);
    return { ctx: { db: database.db, clock } as unknown as ServiceContext, clock };
  };

  it("issues a 256-bit token shown once and stored only as its hash", async () => {
    const { ctx } = context();
    const user = await insertUser(database.db, {
      name: "u",
      email: "u@example.org",
      passwordHash: "h",
      nowMs: T0,
    });
    const issued = await issueEmailToken(ctx, {
      userId: user.id,
      purpose: "password_reset",
      validityMs: 30 * 60_000,
      data: { fingerprint: "f" },
    });
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(issued.token, "base64url")).toHaveLength(32);
    expect(issued.expiresAt).toEqual(new Date(T0 + 30 * 60_000));
    const rows = await database.db.selectFrom("email_tokens").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toBe(hashEmailToken(issued.token));
    expect(JSON.stringify(rows)).not.toContain(issued.token);
    const second = await issueEmailToken(ctx, {
      userId: user.id,
      purpose: "password_reset",
      validityMs: 1,
    });
    expect(second.token).not.toBe(issued.token);
  });

  it("finds without using, uses once, and refuses after expiry or voiding", async () => {
    const { ctx, clock } = context();
    const user = await insertUser(database.db, {
      name: "v",
      email: "v@example.org",
      passwordHash: "h",
      nowMs: T0,
    });
    const a = await issueEmailToken(ctx, { userId: user.id, purpose: "not_me", validityMs: 1_000 });
    expect(await findEmailToken(ctx, a.token, "not_me")).toMatchObject({ id: a.id });
    expect(await findEmailToken(ctx, a.token, "password_reset")).toBeNull();
    expect(await useEmailToken(ctx, a.token, "not_me")).toMatchObject({
      id: a.id,
      userId: user.id,
    });
    expect(await useEmailToken(ctx, a.token, "not_me")).toBeNull();

    const b = await issueEmailToken(ctx, { userId: user.id, purpose: "not_me", validityMs: 1_000 });
    clock.advance(1_000);
    expect(await useEmailToken(ctx, b.token, "not_me")).toBeNull();

    const c = await issueEmailToken(ctx, {
      userId: user.id,
      purpose: "password_reset",
      validityMs: 1_000,
    });
    expect(await voidEmailTokens(ctx, user.id, "password_reset")).toBe(1);
    expect(await useEmailToken(ctx, c.token, "password_reset")).toBeNull();
  });

  it("voids the user's earlier links where only the newest works, not “This wasn't me” ones", async () => {
    const { ctx } = context();
    const user = await insertUser(database.db, {
      name: "w",
      email: "w@example.org",
      passwordHash: "h",
      nowMs: T0,
    });
    const issue = (purpose: "password_reset" | "invitation" | "not_me") =>
      issueEmailToken(ctx, { userId: user.id, purpose, validityMs: 1_000 });
    const reset = await issue("password_reset");
    const invitation = await issue("invitation");
    const notice = await issue("not_me");
    const newerReset = await issue("password_reset");
    await issue("not_me");
    expect(await findEmailToken(ctx, reset.token, "password_reset")).toBeNull();
    expect(await findEmailToken(ctx, newerReset.token, "password_reset")).not.toBeNull();
    expect(await findEmailToken(ctx, invitation.token, "invitation")).not.toBeNull();
    expect(await findEmailToken(ctx, notice.token, "not_me")).not.toBeNull();
  });

  it("refuses malformed tokens without a query", async () => {
    const ctx = { db: null, clock: () => T0 } as unknown as ServiceContext;
    for (const token of [undefined, 42, "", "a".repeat(42), "a".repeat(44), `${"a".repeat(42)}=`]) {
      expect(await useEmailToken(ctx, token, "password_reset")).toBeNull();
      expect(await findEmailToken(ctx, token, "password_reset")).toBeNull();
    }
  });
});
