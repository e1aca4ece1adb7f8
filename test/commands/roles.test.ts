/**
 * `tessera roles …` (src/commands/roles.ts) as the operator runs it, in process, on a real
 * database of each dialect: add, list (`--json`: one document), assign (exactly the roles given;
 * `admin` is `is_admin`; the last admin kept), remove; errors name their reason and exit 1; bad
 * usage exits 2. Each change is audited as the operator.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EXIT_USAGE, runCli } from "../../src/cli.js";
import {
  getUserById,
  insertUser,
  listAuditEvents,
  migrateToLatest,
} from "../../src/store/index.js";
import { captureIo } from "../helpers/cli.js";
import { openTestDatabase, type TestDatabase } from "../helpers/database.js";
import { TEST_ARGON2_ENV } from "../helpers/server.js";
import { describeStore } from "../helpers/store.js";

describeStore("tessera roles", { database: false }, ({ dialect }) => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    await migrateToLatest(database.db);
    dataDir = await mkdtemp(join(tmpdir(), "tessera-cli-"));
    env = { TESSERA_DATABASE_URL: database.url, TESSERA_DATA_DIR: dataDir, ...TEST_ARGON2_ENV };
  });
  afterAll(async () => {
    await database.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function run(...args: string[]) {
    const io = captureIo();
    const code = await runCli(["roles", ...args], env, io);
    return { code, out: io.lines, err: io.errors };
  }

  it("adds, lists, assigns and removes roles, audited as the operator", async () => {
    const user = await insertUser(database.db, {
      name: "carol",
      email: "carol@example.org",
      passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
      nowMs: Date.UTC(2026, 10, 28),
    });
    const added = await run(
      "add",
      "billing",
      "--description",
      "Pays",
      "--permission",
      "invoices:write",
    );
    expect(added).toMatchObject({ code: 0, err: [] });
    const listed = await run("list", "--json");
    expect(listed.code).toBe(0);
    expect(listed.out).toHaveLength(1);
    expect(JSON.parse(listed.out[0]!)).toEqual(
      expect.arrayContaining([
        {
          name: "billing",
          description: "Pays",
          permissions: ["invoices:write"],
          built_in: false,
          holders: 0,
        },
        expect.objectContaining({ name: "admin", built_in: true }),
      ]),
    );
    const assigned = await run("assign", "--name", "carol", "billing", "admin");
    expect(assigned.code).toBe(0);
    expect(assigned.out[0]).toContain("admin, billing");
    expect((await getUserById(database.db, user.id))?.isAdmin).toBe(true);
    // The last admin keeps the role.
    const last = await run("assign", "--name", "carol", "billing");
    expect(last.code).toBe(1);
    expect(last.err.join("\n")).toMatch(/admin/i);
    const unknown = await run("assign", "--name", "carol", "nobody-role");
    expect([unknown.code, unknown.err.join("\n")]).toEqual([
      1,
      expect.stringContaining("nobody-role"),
    ]);
    const bad = await run("add", "x", "--permission", "not-a-permission");
    expect(bad.code).toBe(1);
    expect((await run("remove", "billing")).code).toBe(0);
    expect((await run("remove", "billing")).code).toBe(1);
    expect((await run("remove", "admin")).code).toBe(1);
    expect((await run("frobnicate")).code).toBe(EXIT_USAGE);
    expect((await run("assign")).code).toBe(EXIT_USAGE);
    const events = (await listAuditEvents(database.db, { limit: 50 })).map((e) => e.event);
    expect(events).toEqual(
      expect.arrayContaining(["role_created", "user_roles_changed", "role_deleted"]),
    );
  });
});
