/**
 * The operator commands `tessera create-admin` and `tessera reset-password` (src/cli.ts) on a
 * real database of each dialect, and `--password-stdin` through a real child process.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_USAGE, runCli } from "../src/cli.js";
import { verifyPassword } from "../src/core/password.js";
import { getUserByNameOrMail, listAuditEvents } from "../src/store/index.js";
import { captureIo } from "./helpers/cli.js";
import { openTestDatabase, type TestDatabase } from "./helpers/database.js";
import { TEST_ARGON2_ENV } from "./helpers/server.js";
import { describeStore } from "./helpers/store.js";

/** The one-time password a command printed. */
function printedPassword(lines: string[]): string {
  const line = lines.find((l) => l.startsWith("One-time password: "));
  if (line === undefined) throw new Error(`no password printed: ${lines.join("\n")}`);
  return line.slice("One-time password: ".length);
}

describeStore("tessera create-admin and reset-password", { database: false }, ({ dialect }) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let dataDir: string;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    dataDir = await mkdtemp(join(tmpdir(), "tessera-cli-"));
    env = { TESSERA_DATABASE_URL: database.url, TESSERA_DATA_DIR: dataDir, ...TEST_ARGON2_ENV };
  });
  afterAll(async () => {
    await database.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("creates an admin with a printed one-time password that must be changed", async () => {
    const io = captureIo();
    expect(
      await runCli(["create-admin", "--name", "root", "--email", "root@example.org"], env, io),
    ).toBe(0);
    const password = printedPassword(io.lines);
    const user = await getUserByNameOrMail(database.db, "root");
    expect(user).toMatchObject({ isAdmin: true, mustChangePassword: true });
    expect(await verifyPassword(user!.passwordHash!, password)).toBe(true);
    const events = await listAuditEvents(database.db, { userId: user!.id });
    expect(events.map((e) => [e.event, e.detail])).toContainEqual([
      "user_created",
      { by: "operator", is_admin: true },
    ]);
  });

  it("refuses a taken name and missing arguments, and says why", async () => {
    const taken = captureIo();
    expect(
      await runCli(["create-admin", "--name", "ROOT", "--email", "x@example.org"], env, taken),
    ).toBe(1);
    expect(taken.errors.join("\n")).toMatch(/create-admin failed/);
    const missing = captureIo();
    expect(await runCli(["create-admin", "--name", "only"], env, missing)).toBe(EXIT_USAGE);
    expect(await runCli(["reset-password"], env, captureIo())).toBe(EXIT_USAGE);
  });

  it("resets a password as the operator: old sessions end, the change is audited, a new password works", async () => {
    const before = await getUserByNameOrMail(database.db, "root@example.org");
    const io = captureIo();
    expect(await runCli(["reset-password", "--name", "root@example.org"], env, io)).toBe(0);
    expect(io.lines[0]).toMatch(/sessions have ended/);
    const password = printedPassword(io.lines);
    const after = await getUserByNameOrMail(database.db, "root");
    expect(after!.tokenVersion).toBeGreaterThan(before!.tokenVersion);
    expect(after!.mustChangePassword).toBe(true);
    expect(await verifyPassword(after!.passwordHash!, password)).toBe(true);
    const events = await listAuditEvents(database.db, { userId: after!.id });
    expect(events.map((e) => [e.event, e.detail])).toContainEqual([
      "password_reset",
      { by: "operator" },
    ]);
  });

  it("answers an unknown user with exit code 1 and changes nothing", async () => {
    const io = captureIo();
    expect(await runCli(["reset-password", "--name", "nobody"], env, io)).toBe(1);
    expect(io.errors).toEqual(['No user named "nobody".']);
  });
});

describe("--password-stdin", () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await openTestDatabase("sqlite");
    dataDir = await mkdtemp(join(tmpdir(), "tessera-cli-"));
  });
  afterAll(async () => {
    await database.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Runs `tessera ARGS` in a child process with `input` on its standard input. */
  function tessera(
    args: string[],
    input: string,
  ): Promise<{ code: number; out: string; err: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
        env: {
          ...process.env,
          TESSERA_DATABASE_URL: database.url,
          TESSERA_DATA_DIR: dataDir,
          ...TEST_ARGON2_ENV,
        },
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
      child.stdin.end(input);
    });
  }

  it("takes the password from standard input, prints none, and does not force a change", async () => {
    const created = await tessera(
      ["create-admin", "--name", "ops", "--email", "ops@example.org", "--password-stdin"],
      "a chosen password 1\n",
    );
    expect(created).toMatchObject({ code: 0 });
    expect(created.out).not.toMatch(/One-time password/);
    const reset = await tessera(
      ["reset-password", "--name", "ops", "--password-stdin"],
      "another chosen password 2\n",
    );
    expect(reset).toMatchObject({ code: 0 });
    const user = await getUserByNameOrMail(database.db, "ops");
    expect(user!.mustChangePassword).toBe(false);
    expect(await verifyPassword(user!.passwordHash!, "another chosen password 2")).toBe(true);
  });

  it("refuses a password the policy refuses, with the reason", async () => {
    const result = await tessera(
      ["reset-password", "--name", "ops", "--password-stdin"],
      "short\n",
    );
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/reset-password failed/);
  });
});
