/**
 * Abuse cases of recovery codes (issue 11 item 2), each refusal with its code: a wrong, used,
 * foreign or malformed code, no second factor to stand in for, the throttle shared with the
 * second factor, at most one Argon2 verify per sign-in, and the worst interleavings (the same
 * code in parallel sign-ins, two renewals at once) on SQLite and on PostgreSQL.
 */
import { afterEach, expect, it } from "vitest";
import { MAX_RECOVERY_CODE_LENGTH } from "../../../src/contract/limits.js";
import { generateTotp } from "../../../src/core/totp.js";
import { createHashGate, type HashGate } from "../../../src/services/abuse/hash-gate.js";
import { listAuditEvents } from "../../../src/store/index.js";
import { raceRequests } from "../../helpers/parallel.js";
import { loginWithCode, userWithCodes } from "../../helpers/recovery-codes.js";
import { describeServer } from "../../helpers/routes.js";
import { TEST_ORIGIN, startTestServer, type TestServer } from "../../helpers/server.js";
import { describeStore } from "../../helpers/store.js";

/** Swaps the last symbol of a code for another one of the alphabet: same index, wrong secret. */
function wrongSecret(code: string): string {
  return code.slice(0, -1) + (code.endsWith("7") ? "8" : "7");
}

function expectRefused(answer: { status: number; body: { code?: string } }, code: string): void {
  expect(answer.status).toBe(400);
  expect(answer.body.code).toBe(code);
}

describeServer("recovery code refusals", (server) => {
  const db = () => server.app.tessera.db;
  const remaining = async (userId: string) =>
    (
      await db()
        .selectFrom("recovery_codes")
        .select("used_at")
        .where("user_id", "=", userId)
        .execute()
    ).filter((row) => row.used_at === null).length;

  it("refuses a wrong code with invalid_two_fa_code, audited, and the right one still works", async () => {
    const { user, codes } = await userWithCodes(server);
    expectRefused(await loginWithCode(server, user, wrongSecret(codes[0]!)), "invalid_two_fa_code");
    const failures = await listAuditEvents(db(), { userId: user.id, event: "login_failed" });
    expect(failures[0]?.detail).toEqual({ reason: "recovery_code" });
    expect(await remaining(user.id)).toBe(10);
    expect((await loginWithCode(server, user, codes[0])).status).toBe(200);
  });

  it("refuses a code used before", async () => {
    const { user, codes } = await userWithCodes(server);
    expect((await loginWithCode(server, user, codes[0])).status).toBe(200);
    expectRefused(await loginWithCode(server, user, codes[0]), "invalid_two_fa_code");
    expect(await remaining(user.id)).toBe(9);
  });

  it("refuses another user's code, and leaves it unused", async () => {
    const alice = await userWithCodes(server);
    const bob = await userWithCodes(server);
    expectRefused(await loginWithCode(server, bob.user, alice.codes[0]), "invalid_two_fa_code");
    expect(await remaining(alice.user.id)).toBe(10);
    expect((await loginWithCode(server, alice.user, alice.codes[0])).status).toBe(200);
  });

  it("refuses malformed codes as wrong codes, and longer or non-string ones as malformed requests", async () => {
    const { user, codes } = await userWithCodes(server);
    const plain = codes[0]!.replaceAll("-", "");
    for (const malformed of [
      "not a code",
      plain.slice(0, -1), // 19 symbols
      `${plain}0`, // 21 symbols
      `${plain.slice(0, -1)}U`, // U is not in Crockford's alphabet
      `${plain.slice(0, -1)}*`,
      "x".repeat(MAX_RECOVERY_CODE_LENGTH),
    ]) {
      expectRefused(await loginWithCode(server, user, malformed), "invalid_two_fa_code");
      server.clock.advance(15 * 60_000); // past the second-factor throttle's wait
    }
    expectRefused(
      await loginWithCode(server, user, "x".repeat(MAX_RECOVERY_CODE_LENGTH + 1)),
      "validation_error",
    );
    expectRefused(await loginWithCode(server, user, 12345), "validation_error");
    expect(await remaining(user.id)).toBe(10);
  });

  it("refuses a right code with a wrong password, without using it up", async () => {
    const { user, codes } = await userWithCodes(server);
    const answer = await loginWithCode(server, { ...user, password: "wrong password" }, codes[0]);
    expectRefused(answer, "invalid_credentials");
    expect(await remaining(user.id)).toBe(10);
  });

  it("refuses to make codes without a second factor (no_second_factor), and a code then changes nothing", async () => {
    const user = await server.createUser({});
    const client = server.client();
    await client.login(user.name, user.password);
    const made = await client.request("POST", `/users/${user.id}/2fa/recovery-codes`);
    expectRefused(made, "no_second_factor");
    const rows = await db()
      .selectFrom("recovery_codes")
      .select("lookup")
      .where("user_id", "=", user.id)
      .execute();
    expect(rows).toEqual([]);
    const events = await listAuditEvents(db(), {
      userId: user.id,
      event: "recovery_codes_generated",
    });
    expect(events).toEqual([]);
  });

  it("counts wrong codes with the second factor's failures: locked after 5, even for a right code", async () => {
    const { user, codes, totpSecret } = await userWithCodes(server);
    // Two wrong TOTP codes and three wrong recovery codes share one counter.
    const totp = generateTotp(totpSecret!, { clock: server.clock });
    for (let i = 0; i < 2; i++) {
      const answer = await server.client().request("POST", "/login", {
        json: {
          name: user.name,
          password: user.password,
          two_fa_code: totp === "000000" ? "111111" : "000000",
        },
      });
      expectRefused(answer, "invalid_two_fa_code");
    }
    for (let i = 0; i < 3; i++) {
      expectRefused(
        await loginWithCode(server, user, wrongSecret(codes[i]!)),
        "invalid_two_fa_code",
      );
    }
    const locked = await loginWithCode(server, user, codes[0]);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe("too_many_requests");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await remaining(user.id)).toBe(10);
    server.clock.advance(30_000);
    expect((await loginWithCode(server, user, codes[0])).status).toBe(200);
  });
});

/** A hashing gate that counts the hashes it runs (each sign-in's password and code checks). */
function countingGate(): HashGate & { runs: number } {
  const gate = createHashGate();
  const counting = {
    runs: 0,
    get active() {
      return gate.active;
    },
    get queued() {
      return gate.queued;
    },
    get pressure() {
      return gate.pressure;
    },
    maxQueued: gate.maxQueued,
    assertRoom: (lane: Parameters<HashGate["assertRoom"]>[0]) => gate.assertRoom(lane),
    run<T>(lane: Parameters<HashGate["run"]>[0], task: () => Promise<T>): Promise<T> {
      counting.runs += 1;
      return gate.run(lane, task);
    },
  };
  return counting;
}

describeStore("recovery codes under load and races", { database: false }, ({ dialect }) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("verifies one Argon2 hash per sign-in with a code (beside the password), whatever the code", async () => {
    const gate = countingGate();
    server = await startTestServer(dialect, { overrides: { hashGate: gate } });
    const { user, codes } = await userWithCodes(server);
    const hashesOf = async (code: string, status: number) => {
      const before = gate.runs;
      expect((await loginWithCode(server!, user, code)).status).toBe(status);
      server!.clock.advance(15 * 60_000);
      return gate.runs - before;
    };
    expect(await hashesOf(codes[0]!, 200)).toBe(2); // right code
    expect(await hashesOf(codes[0]!, 400)).toBe(2); // used: a dummy hash, same cost
    expect(await hashesOf(wrongSecret(codes[1]!), 400)).toBe(2); // wrong secret
    expect(await hashesOf(`ZZZZ${codes[1]!.slice(4)}`, 400)).toBe(2); // unknown index
    expect(await hashesOf("malformed", 400)).toBe(1); // no code to check: the password only
  });

  it("accepts one of 5 parallel sign-ins with the same code, on connections opened first", async () => {
    // A gate as wide as the race and the default Argon2 cost, so that the five checks overlap
    // (with the tests' cheap hash a check is over before the next request reaches its own).
    server = await startTestServer(dialect, {
      env: { TESSERA_ARGON2_MEMORY_KIB: "19456", TESSERA_ARGON2_ITERATIONS: "2" },
      overrides: { hashGate: createHashGate({ concurrency: 5 }) },
    });
    const { user, codes } = await userWithCodes(server);
    const answers = await raceRequests(
      server.baseUrl,
      Array.from({ length: 5 }, () => ({
        method: "POST",
        path: "/login",
        headers: { origin: TEST_ORIGIN },
        body: { name: user.name, password: user.password, recovery_code: codes[0] },
      })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400, 400]);
    for (const answer of answers.filter((each) => each.status === 400)) {
      expect(answer.body.code).toBe("invalid_two_fa_code");
    }
    const used = await listAuditEvents(server.app.tessera.db, {
      userId: user.id,
      event: "recovery_code_used",
    });
    expect(used).toHaveLength(1);
  });

  it("leaves exactly one working set after two renewals at once", async () => {
    server = await startTestServer(dialect);
    const { user, client } = await userWithCodes(server);
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const answers = await raceRequests(
      server.baseUrl,
      Array.from({ length: 2 }, () => ({
        method: "POST",
        path: `/users/${user.id}/2fa/recovery-codes`,
        headers: { origin: TEST_ORIGIN, cookie },
      })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const rows = await server.app.tessera.db
      .selectFrom("recovery_codes")
      .select("lookup")
      .where("user_id", "=", user.id)
      .execute();
    expect(rows).toHaveLength(10);
    const [first, second] = answers.map((answer) => answer.body.codes as string[]);
    const working = [first, second].filter((set) =>
      set!.every((code) => rows.some((row) => row.lookup === code.slice(0, 4))),
    );
    expect(working).toHaveLength(1);
    expect((await loginWithCode(server, user, working[0]![0])).status).toBe(200);
    const me = await client.request("GET", "/me");
    expect(me.body.recovery_codes_left).toBe(9);
  });
});
