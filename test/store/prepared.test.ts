import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDatabase,
  insertUser,
  migrateToLatest,
  type Database,
  type TesseraDatabase,
} from "../../src/store/index.js";
import { prepareQuery } from "../../src/store/prepared.js";

/** The time store writes are stamped with (the service's clock, frozen). */
const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();

describe("prepareQuery", () => {
  let dir: string;
  let database: TesseraDatabase;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-prepared-"));
    database = await createDatabase(join(dir, "p.db"));
    await migrateToLatest(database.db);
    for (const name of ["ann", "ben", "cy"]) {
      await insertUser(database.db, {
        name,
        email: `${name}@example.org`,
        passwordHash: "h",
        nowMs: NOW_MS,
      });
    }
  });
  afterAll(async () => {
    await database.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const byNames = prepareQuery((db: Kysely<Database>, first: string, second: string) =>
    db
      .selectFrom("users")
      .select("name")
      .where("name_key", "in", [first, second])
      .orderBy("name")
      .limit(5),
  );

  it("runs one compiled query with fresh arguments each time, fixed values kept", async () => {
    expect(await byNames.execute(database.db, ["ann", "cy"])).toEqual([
      { name: "ann" },
      { name: "cy" },
    ]);
    expect(await byNames.execute(database.db, ["ben", "nobody"])).toEqual([{ name: "ben" }]);
  });

  it("runs inside a transaction and sees its uncommitted writes", async () => {
    await database.db
      .transaction()
      .execute(async (trx) => {
        await trx
          .updateTable("users")
          .set({ name: "dee", name_key: "dee" })
          .where("name_key", "=", "ann")
          .execute();
        expect(await byNames.execute(trx, ["dee", "ann"])).toEqual([{ name: "dee" }]);
        throw new Error("roll back");
      })
      .catch(() => undefined);
    expect(await byNames.execute(database.db, ["dee", "ann"])).toEqual([{ name: "ann" }]);
  });

  it("compiles once for a database and all its transactions", async () => {
    let compiled = 0;
    const byName = prepareQuery((db: Kysely<Database>, name: string) => {
      compiled += 1;
      return db.selectFrom("users").select("name").where("name_key", "=", name);
    });
    expect(await byName.execute(database.db, ["ben"])).toEqual([{ name: "ben" }]);
    for (const name of ["cy", "ben", "nobody"]) {
      const rows = await database.db.transaction().execute((trx) => byName.execute(trx, [name]));
      expect(rows).toEqual(name === "nobody" ? [] : [{ name }]);
    }
    expect(compiled).toBe(1);
    // Other plugins change the SQL: compiled again for them, and again back without them.
    expect(await byName.execute(database.db.withSchema("main"), ["cy"])).toEqual([{ name: "cy" }]);
    expect(await byName.execute(database.db, ["cy"])).toEqual([{ name: "cy" }]);
    expect(compiled).toBe(3);
  });

  it("compiles separately for a Kysely instance with plugins", async () => {
    const withSchema = database.db.withSchema("main");
    expect(await byNames.execute(withSchema, ["ben", "cy"])).toEqual([
      { name: "ben" },
      { name: "cy" },
    ]);
  });

  it("refuses an argument that does not become a bound parameter", async () => {
    const misuse = prepareQuery((db: Kysely<Database>, column: string) =>
      db.selectFrom("users").select(sql.ref(String(column)).as("x")),
    );
    await expect(misuse.execute(database.db, ["name"])).rejects.toThrow(TypeError);
  });
});
