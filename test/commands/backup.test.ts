/**
 * `tessera backup` while sign-ins are being written, then `tessera restore` into a fresh folder
 * and a sign-in there (SQLite); PostgreSQL gets the pg_dump / pg_restore commands.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.js";
import { loadConfig } from "../../src/config/index.js";
import { buildApp } from "../../src/http/app.js";
import { createTessera } from "../../src/runtime.js";
import { createUser } from "../../src/services/account/users.js";
import { verifyAuditChain } from "../../src/store/index.js";
import { captureIo } from "../helpers/cli.js";
import { TEST_ARGON2_ENV, TEST_ORIGIN } from "../helpers/server.js";

/** A server on an SQLite file whose JWT secret is generated into the file's folder. */
async function startServer(databasePath: string) {
  const env = {
    NODE_ENV: "test",
    TESSERA_DATABASE_URL: databasePath,
    TESSERA_PUBLIC_URL: TEST_ORIGIN,
    ...TEST_ARGON2_ENV,
  };
  const tessera = await createTessera(loadConfig(env));
  const app = await buildApp(tessera, { logger: false, closeTessera: true });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const base = `http://127.0.0.1:${address.port}`;
  const login = (name: string, password: string) =>
    fetch(`${base}/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: TEST_ORIGIN },
      body: JSON.stringify({ name, password }),
    });
  return { env, tessera, app, base, login };
}

describe("tessera backup and restore (SQLite)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tessera-backup-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("backs up while sign-ins are written, restores into a fresh folder, and signs in there", async () => {
    const live = await startServer(join(dir, "live", "tessera.db"));
    const password = "correct horse battery staple 42";
    const user = await createUser(live.tessera.ctx, null, {
      name: "ada",
      email: "ada@example.org",
      password,
      mustChangePassword: false,
    });
    const before = await live.login("ada", password);
    expect(before.status).toBe(200);
    const cookie = before.headers.getSetCookie().find((c) => c.startsWith("token="));
    expect(cookie).toBeDefined();
    const token = cookie!.slice("token=".length).split(";")[0]!;

    // Sign-ins keep writing (last login, audit events) during the backup.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        expect((await live.login("ada", password)).status).toBe(200);
        written += 1;
      }
    })();
    while (written < 3) await new Promise((r) => setTimeout(r, 10));
    const backupFile = join(dir, "backups", "tessera.backup");
    await import("node:fs/promises").then((fs) => fs.mkdir(join(dir, "backups")));
    const backup = captureIo();
    expect(await runCli(["backup", backupFile], live.env, backup)).toBe(0);
    const afterBackup = written;
    while (written < afterBackup + 3) await new Promise((r) => setTimeout(r, 10));
    writing = false;
    await writer;
    await live.app.close();
    expect(backup.lines.join("\n")).toContain("Copied the JWT secret");

    const freshPath = join(dir, "fresh", "tessera.db");
    const restoreEnv = { ...live.env, TESSERA_DATABASE_URL: freshPath };
    const restore = captureIo();
    expect(await runCli(["restore", backupFile], restoreEnv, restore)).toBe(0);
    expect(await readFile(join(dir, "fresh", "jwt-secret"), "utf8")).toBe(
      await readFile(join(dir, "live", "jwt-secret"), "utf8"),
    );
    const again = captureIo();
    expect(await runCli(["restore", backupFile], restoreEnv, again)).toBe(1);
    expect(again.errors.join("\n")).toContain("refusing to overwrite");
    expect(await runCli(["restore", "--force", backupFile], restoreEnv, captureIo())).toBe(0);

    const restored = await startServer(freshPath);
    try {
      expect((await restored.login("ada", password)).status).toBe(200);
      // A token from before the backup still verifies: the secret came along.
      const me = await fetch(`${restored.base}/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(me.status).toBe(200);
      expect(await verifyAuditChain(restored.tessera.ctx.db)).toMatchObject({ ok: true });
      const events = await restored.tessera.ctx.db
        .selectFrom("audit_events")
        .select("event")
        .where("user_id", "=", user.id)
        .execute();
      expect(events.length).toBeGreaterThanOrEqual(4);
    } finally {
      await restored.app.close();
    }
  });

  it("refuses a file that is not a Tessera database", async () => {
    const io = captureIo();
    const file = join(dir, "not-a-db");
    await import("node:fs/promises").then((fs) => fs.writeFile(file, "hello"));
    expect(
      await runCli(["restore", file], { TESSERA_DATABASE_URL: join(dir, "x", "t.db") }, io),
    ).toBe(1);
  });

  it("prints the pg_dump and pg_restore commands for PostgreSQL", async () => {
    const env = { TESSERA_DATABASE_URL: "postgres://tessera:s3cret@db.internal/tessera" };
    const backup = captureIo();
    expect(await runCli(["backup", "/backups/t.dump"], env, backup)).toBe(0);
    expect(backup.lines.join("\n")).toContain(
      'pg_dump --format=custom --no-owner --file=/backups/t.dump "$TESSERA_DATABASE_URL"',
    );
    const restore = captureIo();
    expect(await runCli(["restore", "/backups/t.dump"], env, restore)).toBe(0);
    expect(restore.lines.join("\n")).toContain("pg_restore");
    expect([...backup.lines, ...restore.lines].join("\n")).not.toContain("s3cret");
  });
});
