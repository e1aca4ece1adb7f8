/**
 * `tessera verify-email --name NAME` (src/cli.ts): the operator vouches for an address, the way
 * back in for an admin refused by TESSERA_REQUIRE_VERIFIED_EMAIL; on a real database of each
 * dialect.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EXIT_USAGE, runCli } from "../src/cli.js";
import { getUserByNameOrMail, listAuditEvents } from "../src/store/index.js";
import { captureIo } from "./helpers/cli.js";
import { openTestDatabase, type TestDatabase } from "./helpers/database.js";
import { TEST_ARGON2_ENV } from "./helpers/server.js";
import { describeStore } from "./helpers/store.js";

describeStore("tessera verify-email", { database: false }, ({ dialect }) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let dataDir: string;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    dataDir = await mkdtemp(join(tmpdir(), "tessera-cli-verify-"));
    env = { TESSERA_DATABASE_URL: database.url, TESSERA_DATA_DIR: dataDir, ...TEST_ARGON2_ENV };
  });
  afterAll(async () => {
    await database.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("marks the address verified, audited as the operator", async () => {
    const created = captureIo();
    expect(
      await runCli(
        ["create-admin", "--name", "keeper", "--email", "keeper@example.org"],
        env,
        created,
      ),
    ).toBe(0);
    expect((await getUserByNameOrMail(database.db, "keeper"))!.emailVerifiedAt).toBeNull();
    const io = captureIo();
    expect(await runCli(["verify-email", "--name", "KEEPER"], env, io)).toBe(0);
    expect(io.lines[0]).toMatch(/keeper@example\.org of keeper is marked verified/);
    const user = await getUserByNameOrMail(database.db, "keeper");
    expect(user!.emailVerifiedAt).not.toBeNull();
    const events = await listAuditEvents(database.db, { userId: user!.id });
    expect(events.map((e) => [e.event, e.detail])).toContainEqual([
      "email_verified",
      { by: "operator", method: "operator" },
    ]);
  });

  it("says so for an unknown user (exit 1) and a missing name (usage)", async () => {
    const unknown = captureIo();
    expect(await runCli(["verify-email", "--name", "nobody"], env, unknown)).toBe(1);
    expect(unknown.errors.join("\n")).toMatch(/No user named "nobody"/);
    expect(await runCli(["verify-email"], env, captureIo())).toBe(EXIT_USAGE);
  });
});
