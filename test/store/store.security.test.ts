/**
 * Hostile input at the store: it never becomes a database error (a 500 the attacker can
 * trigger), never matches the wrong row, and never breaks an invariant the database enforces.
 */
import { sql } from "kysely";
import { expect, it } from "vitest";
import { ClientError } from "../../src/core/errors.js";
import {
  appendAuditEvent,
  bumpTokenVersion,
  consumeChallenge,
  insertUser,
  deleteUserRow,
  deleteWebauthnCredential,
  getUserById,
  getUserByNameOrMail,
  getWebauthnCredentialById,
  listAuditEvents,
  listWebauthnCredentials,
  markTotpStepUsed,
  setUserAdmin,
  setPasswordHash,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

/** The time store writes are stamped with (the service's clock, frozen). */
const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();

const HOSTILE = [
  "\u0000",
  "admin\u0000",
  "\ud800",
  "' or '1'='1",
  "admin'--",
  "%",
  "_",
  "a".repeat(100_000),
  "\u202eadmin",
  "${jndi:ldap://x}",
];

describeStore("hostile input", (database) => {
  it("answers a miss, never a database error, for hostile login names", async () => {
    await insertUser(database.db, {
      name: "admin",
      email: "admin@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    for (const query of HOSTILE) {
      expect(
        await getUserByNameOrMail(database.db, query),
        JSON.stringify(query.slice(0, 20)),
      ).toBeUndefined();
    }
  });

  it("answers a miss for hostile ids in every lookup and write", async () => {
    const user = await insertUser(database.db, {
      name: "victim",
      email: "v@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    for (const id of HOSTILE) {
      expect(await getUserById(database.db, id)).toBeUndefined();
      expect(await setUserAdmin(database.db, id, NOW_MS)).toBeUndefined();
      expect(await deleteUserRow(database.db, id)).toBe(false);
      expect(await bumpTokenVersion(database.db, id)).toBeUndefined();
      expect(await markTotpStepUsed(database.db, id, 1)).toBe(false);
      expect(
        await setPasswordHash(database.db, id, "h2", {
          mustChangePassword: false,
          endSessions: true,
          nowMs: NOW_MS,
        }),
      ).toBeUndefined();
      expect(await consumeChallenge(database.db, id, "p", Date.now())).toBeUndefined();
      expect(await getWebauthnCredentialById(database.db, id)).toBeUndefined();
      expect(await deleteWebauthnCredential(database.db, user.id, id)).toBe(false);
      expect(await listWebauthnCredentials(database.db, id)).toEqual([]);
    }
    expect(await getUserById(database.db, user.id)).toMatchObject({
      isAdmin: false,
      tokenVersion: 0,
    });
  });

  it("treats LIKE wildcards and quotes in names as plain characters", async () => {
    const percent = await insertUser(database.db, {
      name: "50%_off'",
      email: "p@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    await insertUser(database.db, {
      name: "50xyoff'",
      email: "q@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    expect((await getUserByNameOrMail(database.db, "50%_OFF'"))?.id).toBe(percent.id);
    expect(await getUserByNameOrMail(database.db, "50%")).toBeUndefined();
  });

  it("refuses a name that is an email, so nobody can take over another user's login address", async () => {
    await insertUser(database.db, {
      name: "owner",
      email: "owner@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    for (const name of [
      "owner@example.org",
      "OWNER@EXAMPLE.ORG",
      "owner＠example.org",
      "owner﹫example.org",
    ]) {
      const error = await insertUser(database.db, {
        name,
        email: "new@example.org",
        passwordHash: "h",
        nowMs: NOW_MS,
      }).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(ClientError);
      expect((error as ClientError).code).toBe("validation_error");
    }
  });

  it("enforces the shared namespace in the database itself, not only in JS", async () => {
    const insert = (nameKey: string, emailKey: string) =>
      database.db
        .insertInto("users")
        .values({
          id: crypto.randomUUID(),
          name: nameKey,
          name_key: nameKey,
          email: emailKey,
          email_key: emailKey,
          password_hash: "h",
          totp_secret: null,
          totp_pending_secret: null,
          totp_last_step: null,
          is_admin: 0,
          must_change_password: 0,
          created_at: 0,
          updated_at: 0,
          last_login_at: null,
        })
        .execute();
    await expect(insert("x@example.org", "y@example.org")).rejects.toThrow();
    await expect(insert("plain", "no-at-sign")).rejects.toThrow();
    await insert("plain", "plain@example.org");
  });

  it("refuses control characters in names, so look-alike accounts cannot be made with them", async () => {
    await insertUser(database.db, {
      name: "admin",
      email: "admin@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    const names = [
      "ad\u0000min",
      "ad\u0007min",
      "ad\u0085min",
      "ad\u200bmin",
      "\u202enimda",
      "ad\u2066min",
      "ad\ufeffmin",
      "ad\u2028min",
      "admin\u001b[0m",
    ];
    for (const [index, name] of names.entries()) {
      const error = await insertUser(database.db, {
        name,
        email: `lookalike${index}@example.org`,
        passwordHash: "h",
        nowMs: NOW_MS,
      }).catch((e: unknown) => e);
      expect(error, JSON.stringify(name)).toBeInstanceOf(ClientError);
      expect((error as ClientError).code).toBe("validation_error");
    }
  });

  it("records an audit event whose detail holds NUL and lone surrogates instead of failing", async () => {
    await appendAuditEvent(database.db, {
      event: "login_failed",
      userAgent: "agent\u0000",
      detail: { name: "admin\u0000", broken: "\ud800x" },
      atMs: NOW_MS,
    });
    const [event] = await listAuditEvents(database.db);
    expect(event).toMatchObject({
      userAgent: "agent\ufffd",
      detail: { name: "admin\ufffd", broken: "\ufffdx" },
    });
  });

  it("never lets a raw SQL fragment in a value reach the database as SQL", async () => {
    await insertUser(database.db, {
      name: "robert'); drop table users;--",
      email: "bobby@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    const { rows } = await sql<{ n: number }>`select count(*) as n from users`.execute(database.db);
    expect(Number(rows[0]?.n)).toBe(1);
  });
});
