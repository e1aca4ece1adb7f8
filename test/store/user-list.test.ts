/**
 * The user list in the store on every dialect (issue 25): keyset pages that never shift while
 * users are added, the name-or-email prefix as an index range (checked in each dialect's plan),
 * the admins' filters and their count.
 */
import { CompiledQuery, sql, type Kysely } from "kysely";
import { expect, it } from "vitest";
import {
  addWebauthnCredential,
  countUserList,
  insertUser,
  insertEmailToken,
  listUserPage,
  lockUser,
  markEmailVerified,
  prefixUpperBound,
  userPageQuery,
  type Database,
  type User,
  type UserListConditions,
  type UserListKey,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$fakefakefakefakefakefakefakefakefakefakefak";
const NOW = new Date(Date.UTC(2026, 10, 30, 9));
const NOW_MS = NOW.getTime();

const keyOf = (user: User): UserListKey => ({
  createdAtMs: user.createdAt.getTime(),
  id: user.id,
});

/** Every page of `conditions`, `limit` at a time, running `between` after each page. */
async function readAll(
  db: Kysely<Database>,
  conditions: UserListConditions,
  limit: number,
  between: (page: number) => Promise<void> = async () => {},
): Promise<User[]> {
  const seen: User[] = [];
  let after: UserListKey | undefined;
  for (let page = 0; page < 1000; page += 1) {
    const rows = await listUserPage(db, conditions, { ...(after ? { after } : {}), limit });
    seen.push(...rows);
    if (rows.length < limit) return seen;
    after = keyOf(rows.at(-1)!);
    await between(page);
  }
  throw new Error("more than 1000 pages");
}

/** Many users at once: one multi-row insert per 500 (the store's insertUser is one by one). */
async function insertMany(db: Kysely<Database>, count: number, namePrefix: string): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    const rows = Array.from({ length: Math.min(500, count - start) }, (_, i) => {
      const n = start + i;
      const name = `${namePrefix}${String(n).padStart(6, "0")}`;
      return {
        id: crypto.randomUUID(),
        name,
        name_key: name.toLowerCase(),
        email: `${name}@example.org`,
        email_key: `${name.toLowerCase()}@example.org`,
        password_hash: HASH,
        totp_secret: null,
        totp_pending_secret: null,
        totp_last_step: null,
        is_admin: 0 as const,
        must_change_password: 0 as const,
        token_version: 0,
        created_at: NOW.getTime() + n,
        updated_at: NOW.getTime() + n,
        last_login_at: null,
      };
    });
    await db.insertInto("users").values(rows).execute();
  }
}

describeStore("user list", (ctx) => {
  let counter = 0;
  const make = (name?: string, email?: string, at: Date = NOW) => {
    counter += 1;
    return insertUser(ctx.db, {
      name: name ?? `person${counter}`,
      email: email ?? `person${counter}@example.org`,
      passwordHash: HASH,
      nowMs: at.getTime(),
    });
  };
  const all: UserListConditions = { nowMs: NOW_MS };

  it("reads every user exactly once in (created_at, id) order, also while users are added between pages", async () => {
    // Same creation time for most (ties ordered by id), a few earlier and later.
    const before = [] as User[];
    for (let i = 0; i < 7; i += 1)
      before.push(await make(undefined, undefined, new Date(NOW.getTime() + (i % 3))));
    let added = 0;
    const read = await readAll(ctx.db, all, 2, async () => {
      // A user created now sorts after every existing one: it may appear later, never shifts.
      added += 1;
      await make(undefined, undefined, new Date(NOW.getTime() + 10 + added));
    });
    const ids = read.map((u) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const user of before) expect(ids).toContain(user.id);
    const sorted = [...read].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1),
    );
    expect(ids).toEqual(sorted.map((u) => u.id));
    // Every user added while paging is at the end and was read (they all sort after the cursor).
    expect(read.length).toBe(7 + added);
  });

  it("finds users by the start of the name or the email in any case, and only by the start", async () => {
    const alice = await make("Alice", "wonder@example.org");
    const alistair = await make("Bob", "Alistair@example.org");
    await make("Malice", "m@example.org");
    const found = (prefix: string, emailToo = true) =>
      listUserPage(ctx.db, { prefix, emailToo, nowMs: NOW_MS }, { limit: 50 }).then((users) =>
        users.map((u) => u.id).sort(),
      );
    expect(await found("ALI")).toEqual([alice.id, alistair.id].sort());
    expect(await found("ali", false)).toEqual([alice.id]);
    expect(await found("alice")).toEqual([alice.id]);
    expect(await found("alicex")).toEqual([]);
    expect(await found("lice")).toEqual([]);
    expect(await countUserList(ctx.db, { prefix: "ali", emailToo: true, nowMs: NOW_MS })).toBe(2);
  });

  it("bounds a prefix by the next code point, skipping surrogates and the last one", () => {
    expect(prefixUpperBound("ab")).toBe("ac");
    expect(prefixUpperBound("a\u{d7ff}")).toBe("a\u{e000}");
    expect(prefixUpperBound("a\u{10ffff}")).toBe("b");
    expect(prefixUpperBound("\u{10ffff}")).toBe(null);
  });

  it("finds names beyond the BMP and with non-ASCII letters by their start", async () => {
    const emoji = await make("Zoë🦊", "fox@example.org");
    await make("Zoë", "zoe@example.org");
    const page = await listUserPage(ctx.db, { prefix: "zoë🦊", nowMs: NOW_MS }, { limit: 5 });
    expect(page.map((u) => u.id)).toEqual([emoji.id]);
    expect(await countUserList(ctx.db, { prefix: "ZOË", nowMs: NOW_MS })).toBe(2);
  });

  it("filters by admin, lock (now), verified address, pending invitation and second factor", async () => {
    const admin = await insertUser(ctx.db, {
      name: "root",
      email: "root@example.org",
      passwordHash: HASH,
      isAdmin: true,
      nowMs: NOW_MS,
    });
    const locked = await make("locked");
    await lockUser(ctx.db, locked.id, { reason: "r", untilMs: null, nowMs: NOW_MS });
    const expired = await make("expired");
    await lockUser(ctx.db, expired.id, {
      reason: "r",
      untilMs: NOW_MS - 1,
      nowMs: NOW_MS,
    });
    const verified = await make("verified");
    await markEmailVerified(ctx.db, verified.id, null, NOW_MS);
    const invited = await make("invited");
    await insertEmailToken(ctx.db, {
      userId: invited.id,
      purpose: "invitation",
      tokenHash: "h".repeat(64),
      data: {},
      expiresAtMs: NOW_MS + 1000,
      nowMs: NOW_MS,
    });
    const withTotp = await make("totp");
    await ctx.db
      .updateTable("users")
      .set({ totp_secret: "SECRET" })
      .where("id", "=", withTotp.id)
      .execute();
    const withPasskey = await make("passkey");
    await addWebauthnCredential(
      ctx.db,
      {
        id: "Y3JlZGVudGlhbA",
        userId: withPasskey.id,
        publicKey: new Uint8Array([1, 2, 3]),
        counter: 0,
        transports: [],
        name: "key",
        deviceType: "singleDevice",
        backedUp: false,
      },
      NOW_MS,
    );
    const everyone = [admin, locked, expired, verified, invited, withTotp, withPasskey].map(
      (u) => u.id,
    );
    const ids = async (filters: UserListConditions["filters"]) => {
      const users = await listUserPage(ctx.db, { filters, nowMs: NOW_MS }, { limit: 50 });
      expect(await countUserList(ctx.db, { filters, nowMs: NOW_MS })).toBe(users.length);
      return users.map((u) => u.id).sort();
    };
    const others = (...ids: string[]) => everyone.filter((id) => !ids.includes(id)).sort();
    expect(await ids({ admin: true })).toEqual([admin.id]);
    expect(await ids({ admin: false })).toEqual(others(admin.id));
    expect(await ids({ locked: true })).toEqual([locked.id]);
    expect(await ids({ locked: false })).toEqual(others(locked.id));
    expect(await ids({ emailVerified: true })).toEqual([verified.id]);
    expect(await ids({ emailVerified: false })).toEqual(others(verified.id));
    expect(await ids({ invited: true })).toEqual([invited.id]);
    expect(await ids({ invited: false })).toEqual(others(invited.id));
    expect(await ids({ secondFactor: true })).toEqual([withTotp.id, withPasskey.id].sort());
    expect(await ids({ secondFactor: false })).toEqual(others(withTotp.id, withPasskey.id));
    expect(await ids({ admin: false, secondFactor: true, locked: false })).toEqual(
      [withTotp.id, withPasskey.id].sort(),
    );
  });

  it("searches by a prefix range over an index of each key, and pages over (created_at, id)", async () => {
    await insertMany(ctx.db, 3000, "member");
    if (ctx.dialect === "postgres") await sql`analyze users`.execute(ctx.db);
    else await sql`analyze`.execute(ctx.db);
    const plan = async (conditions: UserListConditions) => {
      const compiled = userPageQuery(ctx.db, conditions, { limit: 51 }).compile();
      const prefix = ctx.dialect === "postgres" ? "explain " : "explain query plan ";
      const result = await ctx.db.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]),
      );
      return { sql: compiled.sql, text: JSON.stringify(result.rows) };
    };
    const search = await plan({ prefix: "member00120", emailToo: true, nowMs: NOW_MS });
    // The prefix form: a range, never LIKE with a leading wildcard nor lower(…) on the column.
    expect(search.sql).toMatch(/"name_key"( collate "C")? >= \S+ and "name_key"( collate "C")? < /);
    expect(search.sql).not.toMatch(/like|lower\(/i);
    const indexes =
      ctx.dialect === "postgres"
        ? ["users_name_key_prefix", "users_email_key_prefix"]
        : ["users_name_key_unique", "users_email_key_unique"];
    for (const index of indexes) expect(search.text).toContain(index);
    const firstPage = await plan({ nowMs: NOW_MS });
    expect(firstPage.text).toContain("users_created_at_id");
    console.info(`${ctx.dialect} plan of a prefix search: ${search.sql} ${search.text}`);
    const page = await listUserPage(
      ctx.db,
      { prefix: "member00120", emailToo: true, nowMs: NOW_MS },
      { limit: 50 },
    );
    expect(page.map((u) => u.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `member00120${i}`),
    );
  });
});
