/**
 * `tessera disable-2fa`, `tessera unlock` and `tessera verify-email` (src/commands/accounts.ts)
 * on a real database of each dialect: what they change, that the operator is the actor of the
 * audit event, and the usage and unknown-user answers.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EXIT_USAGE, runCli } from "../../src/cli.js";
import {
  getRecoveryCodeSetState,
  replaceRecoveryCodes,
  addWebauthnCredential,
  confirmTotpSecret,
  countWebauthnCredentials,
  insertUser,
  getUserByNameOrMail,
  holdUnlockedUser,
  insertMail,
  listAuditEvents,
  lockUser,
  setTotpPendingSecret,
} from "../../src/store/index.js";
import { captureIo } from "../helpers/cli.js";
import { openTestDatabase, type TestDatabase } from "../helpers/database.js";
import { TEST_ARGON2_ENV } from "../helpers/server.js";
import { describeStore } from "../helpers/store.js";

const HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$fakefakefakefakefakefakefakefakefakefakefak";
const NOW = new Date(Date.UTC(2026, 10, 30, 9));
const NOW_MS = NOW.getTime();

describeStore("tessera account commands", { database: false }, ({ dialect }) => {
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

  it("removes the authenticator app and every passkey, audited as the operator", async () => {
    const user = await insertUser(database.db, {
      name: "ada",
      email: "ada@example.org",
      passwordHash: HASH,
      nowMs: NOW_MS,
    });
    await setTotpPendingSecret(database.db, user.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    expect(await confirmTotpSecret(database.db, user.id, 1, { nowMs: NOW_MS })).toBe(true);
    for (const id of ["key-one", "key-two"]) {
      await addWebauthnCredential(
        database.db,
        {
          id,
          userId: user.id,
          publicKey: new Uint8Array([1, 2, 3]),
          counter: 0,
          transports: [],
          name: id,
          deviceType: "singleDevice",
          backedUp: false,
        },
        NOW_MS,
      );
    }
    await replaceRecoveryCodes(
      database.db,
      user.id,
      [0, 1, 2].map((i) => ({ index: `AAA${i}`, hash: `hash-${i}` })),
      NOW_MS,
    );
    const io = captureIo();
    expect(await runCli(["disable-2fa", "--name", "ADA@example.org"], env, io)).toBe(0);
    expect(io.lines).toEqual([
      "Removed the authenticator app and 2 passkey(s) and 3 recovery code(s) of ada; they sign in with their password alone.",
    ]);
    expect(await getRecoveryCodeSetState(database.db, user.id)).toMatchObject({ total: 0 });
    const after = await getUserByNameOrMail(database.db, "ada");
    expect(after).toMatchObject({ totpSecret: null, totpPendingSecret: null, totpLastStep: null });
    expect(await countWebauthnCredentials(database.db, user.id)).toBe(0);
    const events = await listAuditEvents(database.db, {
      userId: user.id,
      event: "second_factors_disabled",
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorId: null,
      detail: { by: "operator", totp: true, passkeys: 2, recovery_codes: 3 },
    });

    const again = captureIo();
    expect(await runCli(["disable-2fa", "--name", "ada"], env, again)).toBe(0);
    expect(again.lines).toEqual(["ada had no second factor; nothing changed."]);
  });

  it("unlocks a locked account, audited as the operator", async () => {
    const user = await insertUser(database.db, {
      name: "bob",
      email: "bob@example.org",
      passwordHash: HASH,
      isAdmin: true,
      nowMs: NOW_MS,
    });
    await lockUser(database.db, user.id, { reason: "test", untilMs: null, nowMs: NOW_MS });
    expect(await holdUnlockedUser(database.db, user.id, NOW_MS)).toBe(false);
    const io = captureIo();
    expect(await runCli(["unlock", "--name", "bob"], env, io)).toBe(0);
    expect(io.lines).toEqual(["Unlocked bob; they can sign in again."]);
    expect(await holdUnlockedUser(database.db, user.id, NOW_MS)).toBe(true);
    const events = await listAuditEvents(database.db, { userId: user.id, event: "user_unlocked" });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: null, detail: { by: "operator" } });

    const again = captureIo();
    expect(await runCli(["unlock", "--name", "bob"], env, again)).toBe(0);
    expect(again.lines).toEqual(["bob was not locked; nothing changed."]);
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

  it("leaves queued mail to the server's worker: a command claims none and writes no outbox", async () => {
    // A mail the server queued and has not sent yet (its worker polls every 2 s).
    const queued = await insertMail(database.db, {
      recipient: "waiting@example.org",
      subject: "Choose a new password",
      text: "the server sends this",
      html: "<p>the server sends this</p>",
      nowMs: NOW_MS,
    });
    const io = captureIo();
    expect(await runCli(["check-names"], env, io)).toBe(0);
    expect(await runCli(["unlock", "--name", "nobody"], env, captureIo())).toBe(1);
    const row = await database.db
      .selectFrom("mail_queue")
      .select(["status", "claimed_by", "attempts"])
      .where("id", "=", queued)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "pending", claimed_by: null, attempts: 0 });
    const outbox = await readdir(join(dataDir, "outbox")).catch(() => []);
    expect(outbox).toEqual([]);
  });

  it("answers an unknown user with exit code 1 and bad usage with exit code 2", async () => {
    for (const command of ["disable-2fa", "unlock", "verify-email"]) {
      const io = captureIo();
      expect(await runCli([command, "--name", "nobody"], env, io)).toBe(1);
      expect(io.errors).toEqual(['No user named "nobody".']);
      for (const args of [
        [],
        ["--name"],
        ["--name", ""],
        ["--name", "x", "extra"],
        ["--id", "x"],
      ]) {
        const usage = captureIo();
        expect(await runCli([command, ...args], env, usage), args.join(" ")).toBe(EXIT_USAGE);
        expect(usage.errors.length).toBeGreaterThan(0);
      }
    }
  });
});
