import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_SQLITE_PATH,
  DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
  POSTGRES_CAPABILITIES,
  SQLITE_CAPABILITIES,
  capabilitiesOf,
  createDatabase,
  parseDatabaseUrl,
  pingDatabase,
} from "../../src/store/index.js";
import { openTestDatabase } from "../helpers/database.js";
import { describeStore } from "../helpers/store.js";

describe("parseDatabaseUrl", () => {
  it("reads every documented form of TESSERA_DATABASE_URL", () => {
    const cases: Array<[string | undefined, ReturnType<typeof parseDatabaseUrl>]> = [
      [undefined, { dialect: "sqlite", path: DEFAULT_SQLITE_PATH }],
      ["", { dialect: "sqlite", path: DEFAULT_SQLITE_PATH }],
      ["  ", { dialect: "sqlite", path: DEFAULT_SQLITE_PATH }],
      ["./data/x.db", { dialect: "sqlite", path: "./data/x.db" }],
      ["/var/lib/tessera/x.db", { dialect: "sqlite", path: "/var/lib/tessera/x.db" }],
      ["sqlite:./x.db", { dialect: "sqlite", path: "./x.db" }],
      ["sqlite:x.db", { dialect: "sqlite", path: "x.db" }],
      ["sqlite://data/x.db", { dialect: "sqlite", path: "data/x.db" }],
      ["sqlite:///var/lib/x.db", { dialect: "sqlite", path: "/var/lib/x.db" }],
      ["SQLITE:///var/lib/x.db", { dialect: "sqlite", path: "/var/lib/x.db" }],
      ["file:///var/lib/x.db", { dialect: "sqlite", path: "/var/lib/x.db" }],
      [":memory:", { dialect: "sqlite", path: ":memory:" }],
      ["sqlite::memory:", { dialect: "sqlite", path: ":memory:" }],
      ["C:\\tessera\\x.db", { dialect: "sqlite", path: "C:\\tessera\\x.db" }],
      [
        "postgres://u:p@db:5432/tessera",
        { dialect: "postgres", connectionString: "postgres://u:p@db:5432/tessera" },
      ],
      [
        "postgresql://db/tessera?sslmode=require",
        { dialect: "postgres", connectionString: "postgresql://db/tessera?sslmode=require" },
      ],
    ];
    for (const [url, expected] of cases)
      expect(parseDatabaseUrl(url), String(url)).toEqual(expected);
  });

  it("refuses other URL schemes and a sqlite URL without a file", () => {
    for (const url of [
      "mysql://db/tessera",
      "redis://127.0.0.1:6379",
      "http://x/y.db",
      "sqlite:",
      "sqlite://",
    ]) {
      expect(() => parseDatabaseUrl(url), url).toThrow(TypeError);
    }
  });
});

describe("createDatabase on SQLite", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-db-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the file's folder and turns on WAL, foreign keys, FULL sync and a busy timeout", async () => {
    const path = join(dir, "nested", "deeper", "tessera.db");
    const database = await createDatabase(`sqlite://${path}`);
    try {
      expect(database.dialect).toBe("sqlite");
      const pragma = async (name: string) =>
        Object.values((await sql.raw(`pragma ${name}`).execute(database.db)).rows[0] as object)[0];
      expect(await pragma("journal_mode")).toBe("wal");
      expect(await pragma("foreign_keys")).toBe(1);
      expect(await pragma("busy_timeout")).toBe(DEFAULT_SQLITE_BUSY_TIMEOUT_MS);
      expect(await pragma("synchronous")).toBe(2);
      expect(existsSync(path)).toBe(true);
      expect(capabilitiesOf(database.db)).toBe(SQLITE_CAPABILITIES);
    } finally {
      await database.destroy();
    }
  });

  it("opens an in-memory database", async () => {
    const database = await createDatabase(":memory:");
    try {
      await pingDatabase(database.db);
    } finally {
      await database.destroy();
    }
  });

  it("runs cached statements again, streamed or not, with fresh parameters", async () => {
    const database = await createDatabase(join(dir, "stream.db"));
    try {
      await sql`create table t (n integer)`.execute(database.db);
      await sql`insert into t values (1), (2), (3)`.execute(database.db);
      const above = (n: number) =>
        database.db
          .selectFrom("t" as never)
          .select(sql<number>`n`.as("n"))
          .where(sql.ref("n"), ">", n);
      expect((await above(1).execute()).map((r) => r.n)).toEqual([2, 3]);
      const seen: number[] = [];
      for await (const row of above(0).stream()) seen.push(row.n);
      expect(seen).toEqual([1, 2, 3]);
      expect((await above(2).execute()).map((r) => r.n)).toEqual([3]);
    } finally {
      await database.destroy();
    }
  });
});

describeStore("an open database", { clearBeforeEach: false }, (ctx) => {
  const { dialect } = ctx;

  it("knows its dialect and capabilities", () => {
    expect(ctx.database.dialect).toBe(dialect);
    expect(capabilitiesOf(ctx.db)).toBe(
      dialect === "sqlite" ? SQLITE_CAPABILITIES : POSTGRES_CAPABILITIES,
    );
  });

  it("answers a ping", async () => {
    await expect(pingDatabase(ctx.db)).resolves.toBeUndefined();
  });

  it("returns 64-bit integers and counts as JS numbers", async () => {
    const { rows } = await sql<{
      big: number;
      n: number;
    }>`select cast(${1_767_225_600_123} as bigint) as big, count(*) as n from users`.execute(
      ctx.db,
    );
    expect(rows[0]).toEqual({ big: 1_767_225_600_123, n: 0 });
  });
});

describeStore("a closed database", { database: false }, ({ dialect }) => {
  it("fails its ping", async () => {
    const database = await openTestDatabase(dialect);
    const { db } = database;
    await database.cleanup();
    await expect(pingDatabase(db)).rejects.toThrow();
  });
});

describe("the SQLite driver", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-driver-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("makes other queries wait until an open transaction ends, in arrival order", async () => {
    const database = await createDatabase(join(dir, "tx.db"));
    try {
      await sql`create table t (n integer)`.execute(database.db);
      const events: string[] = [];
      let commit!: () => void;
      const gate = new Promise<void>((resolve) => (commit = resolve));
      const transaction = database.db.transaction().execute(async (trx) => {
        await sql`insert into t values (1)`.execute(trx);
        events.push("inserted");
        await gate;
        events.push("committing");
      });
      await new Promise((resolve) => setImmediate(resolve));
      const outside = [1, 2].map((i) =>
        sql<{ n: number }>`select count(*) as n from t`.execute(database.db).then((r) => {
          events.push(`read ${i}: ${r.rows[0]?.n}`);
        }),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(events).toEqual(["inserted"]);
      commit();
      await Promise.all([transaction, ...outside]);
      expect(events).toEqual(["inserted", "committing", "read 1: 1", "read 2: 1"]);
    } finally {
      await database.destroy();
    }
  });

  it("rolls back a failed transaction and to a savepoint", async () => {
    const database = await createDatabase(join(dir, "savepoint.db"));
    try {
      await sql`create table t (n integer)`.execute(database.db);
      await expect(
        database.db.transaction().execute(async (trx) => {
          await sql`insert into t values (1)`.execute(trx);
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      const trx = await database.db.startTransaction().execute();
      await sql`insert into t values (2)`.execute(trx);
      const inner = await trx.savepoint('sp "1"').execute();
      await sql`insert into t values (3)`.execute(inner);
      await inner.rollbackToSavepoint('sp "1"').execute();
      await trx.commit().execute();
      const { rows } = await sql<{ n: number }>`select n from t`.execute(database.db);
      expect(rows).toEqual([{ n: 2 }]);
    } finally {
      await database.destroy();
    }
  });
});
