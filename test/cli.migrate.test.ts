import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { NO_MIGRATIONS } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_USAGE, runCli } from "../src/cli.js";
import { MIGRATIONS, createMigrator } from "../src/store/index.js";
import { captureIo } from "./helpers/cli.js";
import { openTestDatabase } from "./helpers/database.js";
import { describeStore } from "./helpers/store.js";

describeStore("tessera migrate", { database: false }, ({ dialect }) => {
  it("applies the migrations, then reports the database up to date", async () => {
    const database = await openTestDatabase(dialect);
    try {
      await createMigrator(database.db).migrateTo(NO_MIGRATIONS);
      const env = { TESSERA_DATABASE_URL: database.url };
      const first = captureIo();
      expect(await runCli(["migrate"], env, first)).toBe(0);
      expect(first.lines.slice(1)).toEqual(Object.keys(MIGRATIONS).map((n) => `Applied ${n}`));
      const second = captureIo();
      expect(await runCli(["migrate"], env, second)).toBe(0);
      expect(second.lines.slice(1)).toEqual(["The database is up to date."]);
      expect(await database.db.selectFrom("users").selectAll().execute()).toEqual([]);
    } finally {
      await database.cleanup();
    }
  });
});

describe("the tessera command", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("answers an unknown command or stray argument with usage and exit code 2", async () => {
    const io = captureIo();
    expect(await runCli(["frobnicate"], {}, io)).toBe(EXIT_USAGE);
    expect(io.errors.join("\n")).toContain("migrate");
    expect(await runCli(["migrate", "--now"], {}, captureIo())).toBe(EXIT_USAGE);
    expect(await runCli([], {}, captureIo())).toBe(EXIT_USAGE);
    expect(await runCli(["help"], {}, captureIo())).toBe(0);
  });

  it("fails with exit code 1 and hides the password of an unreachable PostgreSQL URL", async () => {
    const io = captureIo();
    const code = await runCli(
      ["migrate"],
      { TESSERA_DATABASE_URL: "postgres://tessera:s3cret@127.0.0.1:1/none" },
      io,
    );
    expect(code).toBe(1);
    expect([...io.lines, ...io.errors].join("\n")).not.toContain("s3cret");
    expect(io.errors.join("\n")).toContain("tessera migrate failed");
  });

  it("runs as a program from its source file with tsx", async () => {
    const { stdout } = await promisify(execFile)(
      join(process.cwd(), "node_modules/.bin/tsx"),
      [join(process.cwd(), "src/cli.ts"), "migrate"],
      { cwd: dir, env: { ...process.env, TESSERA_DATABASE_URL: "sqlite:./data/cli.db" } },
    );
    expect(stdout).toContain("Applied 0001-initial-schema");
  });
});
