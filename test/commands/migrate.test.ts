import { sql } from "kysely";
import { expect, it } from "vitest";
import { runCli } from "../../src/cli.js";
import { createTessera } from "../../src/runtime.js";
import { MIGRATIONS, MIGRATION_TABLE, SchemaTooNewError } from "../../src/store/index.js";
import { captureIo } from "../helpers/cli.js";
import { openTestDatabase } from "../helpers/database.js";
import { testConfig } from "../helpers/server.js";
import { describeStore } from "../helpers/store.js";

const last = Object.keys(MIGRATIONS).at(-1)!;

describeStore("tessera migrate --status", { database: false }, ({ dialect }) => {
  it("lists applied and pending migrations", async () => {
    const database = await openTestDatabase(dialect);
    try {
      const env = { TESSERA_DATABASE_URL: database.url };
      const upToDate = captureIo();
      expect(await runCli(["migrate", "--status"], env, upToDate)).toBe(0);
      expect(upToDate.lines.join("\n")).toMatch(new RegExp(`applied +${last}`));
      expect(upToDate.lines.at(-1)).toBe("The database is up to date.");

      await sql`delete from ${sql.table(MIGRATION_TABLE)} where name = ${last}`.execute(
        database.db,
      );
      const pending = captureIo();
      expect(await runCli(["migrate", "--status"], env, pending)).toBe(0);
      expect(pending.lines.join("\n")).toMatch(new RegExp(`pending +${last}`));
      expect(pending.lines.at(-1)).toBe("1 pending.");
    } finally {
      await database.cleanup();
    }
  });

  it("refuses to start (and to migrate) on a database a newer Tessera migrated, saying why", async () => {
    const database = await openTestDatabase(dialect);
    try {
      await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values (${"9999-from-the-future"}, ${new Date().toISOString()})`.execute(
        database.db,
      );
      const error = await createTessera(testConfig(), { database }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SchemaTooNewError);
      expect((error as Error).message).toContain("9999-from-the-future");
      expect((error as Error).message).toContain("newer Tessera");

      const env = { TESSERA_DATABASE_URL: database.url };
      const migrate = captureIo();
      expect(await runCli(["migrate"], env, migrate)).toBe(1);
      expect(migrate.errors.join("\n")).toContain("newer Tessera");
      const status = captureIo();
      expect(await runCli(["migrate", "--status"], env, status)).toBe(1);
      expect(status.lines.join("\n")).toMatch(/unknown +9999-from-the-future/);
    } finally {
      await database.cleanup();
    }
  });
});
