/**
 * Two app instances over one PostgreSQL database (issue 10, item 7): a session ended on B is
 * refused on A, which had it cached, through Redis pub/sub and, without Redis, through
 * PostgreSQL LISTEN/NOTIFY; with the channel cut (a TCP proxy the test controls, or the
 * listener's connection terminated) A reads the database instead of trusting its cache.
 * A ends the session within the documented bound, one second (issue 10; README, "revocation seen
 * by another instance ... target 1 s"): the test polls A and fails once a second has passed.
 * The delays measured are milliseconds (printed; bench/revocation.ts measures them properly), so
 * the bound is a correctness bound with room for a loaded machine, not a timing figure.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import pg from "pg";
import { createUser } from "../../../src/services/account/users.js";
import { openTestDatabase, TEST_DIALECTS } from "../../helpers/database.js";
import { startInstance, type Instance } from "../../helpers/instances.js";
import { redisSkipReason, TEST_REDIS_URL } from "../../helpers/redis.js";
import { TEST_ORIGIN } from "../../helpers/server.js";
import { startTcpProxy, type TcpProxy } from "../../helpers/tcp-proxy.js";
import { waitFor } from "../../helpers/wait.js";

/** How long another instance may go on accepting an ended session: 1 s (issue 10, README). */
const REVOCATION_BOUND_MS = 1_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function twoInstances(
  env: (which: "a" | "b") => Record<string, string>,
  dialect: "postgres" | "sqlite" = "postgres",
) {
  const database = await openTestDatabase(dialect);
  cleanups.push(() => database.cleanup());
  const secret = randomBytes(32).toString("base64url");
  const a = await startInstance(database, { TESSERA_JWT_SECRET: secret, ...env("a") }, cleanups);
  const b = await startInstance(database, { TESSERA_JWT_SECRET: secret, ...env("b") }, cleanups);
  const password = "a long enough passphrase";
  const user = await createUser(a.tessera.ctx, null, {
    name: `u${randomBytes(4).toString("hex")}`,
    email: `u${randomBytes(4).toString("hex")}@example.org`,
    password,
    mustChangePassword: false,
  });
  return { a, b, user, password };
}

async function login(instance: Instance, name: string, password: string): Promise<string> {
  const response = await fetch(`${instance.url}/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: TEST_ORIGIN },
    body: JSON.stringify({ name, password }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("token="));
  return (cookie ?? "").slice("token=".length).split(";")[0] ?? "";
}

async function me(instance: Instance, token: string): Promise<number> {
  const response = await fetch(`${instance.url}/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

async function logout(instance: Instance, token: string): Promise<void> {
  const response = await fetch(`${instance.url}/logout`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
}

/**
 * Uses `token` on `instance` until its cache holds the session. The sign-in's own "user changed"
 * event evicts the user's sessions when it arrives, and it may arrive after the first requests:
 * late when the machine is loaded, or seconds late when the instance's Redis publisher is still
 * reconnecting (a command that timed out stays queued and is sent once connected). Eviction is
 * the safe direction; the test only needs the session cached before it is ended elsewhere.
 */
async function useUntilCached(instance: Instance, token: string): Promise<void> {
  await waitFor(async () => {
    expect(await me(instance, token)).toBe(200);
    return (instance.tessera.sessionCache?.size() ?? 0) > 0;
  });
}

/**
 * Polls A with `token` until it refuses it (401), from the moment B answered the sign-out;
 * fails once `REVOCATION_BOUND_MS` has passed. Returns the delay in ms.
 */
async function refusedWithinBound(a: Instance, token: string): Promise<number> {
  try {
    return await waitFor(async () => (await me(a, token)) === 401, {
      giveUpMs: REVOCATION_BOUND_MS,
    });
  } catch (error) {
    throw new Error(`A did not refuse the ended session within ${REVOCATION_BOUND_MS} ms`, {
      cause: error,
    });
  }
}

/** Sign in on A, use it there (cached), end it on B: A refuses within the bound. The delay in ms. */
async function revocationDelay(a: Instance, b: Instance, name: string, password: string) {
  const token = await login(a, name, password);
  expect(a.tessera.sessionCache?.enabled).toBe(true);
  // The session is in A's cache: without the channel A would keep saying yes.
  await useUntilCached(a, token);
  await logout(b, token);
  const delayMs = await refusedWithinBound(a, token);
  expect(await me(b, token)).toBe(401);
  return delayMs;
}

const postgres = TEST_DIALECTS.includes("postgres");
const redisProblem = postgres ? await redisSkipReason("two instances over Redis") : null;
if (!postgres) console.warn("Skipping the two-instance session tests: no PostgreSQL");

describe.skipIf(!postgres)("two instances over one PostgreSQL", () => {
  it.skipIf(redisProblem !== null)(
    "with Redis: a session ended on B is refused on A, which had it cached",
    async () => {
      const { a, b, user, password } = await twoInstances(() => ({
        TESSERA_REDIS_URL: TEST_REDIS_URL,
      }));
      const delays: number[] = [];
      for (let i = 0; i < 5; i++) delays.push(await revocationDelay(a, b, user.name, password));
      console.info(
        `revocation delay over Redis (ms): ${delays.map((d) => d.toFixed(1)).join(", ")}`,
      );
    },
  );

  it("without Redis, over LISTEN/NOTIFY: a session ended on B is refused on A", async () => {
    const { a, b, user, password } = await twoInstances(() => ({}));
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) delays.push(await revocationDelay(a, b, user.name, password));
    console.info(
      `revocation delay over LISTEN/NOTIFY (ms): ${delays.map((d) => d.toFixed(1)).join(", ")}`,
    );
  });

  it.skipIf(redisProblem !== null)(
    "with the Redis subscriber cut, A reads the database: no stale yes, then the cache comes back cleared",
    async () => {
      const target = new URL(TEST_REDIS_URL);
      const proxy: TcpProxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
      cleanups.push(() => proxy.close());
      const { a, b, user, password } = await twoInstances((which) => ({
        TESSERA_REDIS_URL: which === "a" ? `redis://127.0.0.1:${proxy.port}` : TEST_REDIS_URL,
      }));
      const ended = await login(a, user.name, password);
      const kept = await login(a, user.name, password);
      await useUntilCached(a, ended);
      await useUntilCached(a, kept);

      await proxy.setMode("refuse");
      await waitFor(() => a.tessera.sessionCache?.enabled === false);
      expect(a.warnings).toHaveLength(1);
      expect(a.warnings[0]).toMatch(/bypassed/);
      // B ends a session; A never hears of it, and still refuses it: it reads the database.
      await logout(b, ended);
      expect(await me(a, ended)).toBe(401);
      expect(await me(a, kept)).toBe(200);
      expect(a.tessera.sessionCache?.size()).toBe(0);

      await proxy.setMode("pass");
      await waitFor(() => a.tessera.sessionCache?.enabled === true);
      expect(a.warnings).toHaveLength(1); // logged once, however long it was down
      expect(await me(a, ended)).toBe(401);
      // And the channel works again.
      await revocationDelay(a, b, user.name, password);
    },
  );

  it("with the LISTEN connection terminated, A notices, reconnects with a cleared cache, and refuses what B ended", async () => {
    const { a, b, user, password } = await twoInstances(() => ({}));
    const token = await login(a, user.name, password);
    expect(await me(a, token)).toBe(200);
    const admin = new pg.Client({ connectionString: a.tessera.database.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    // A listener's last statement is its LISTEN, or its heartbeat's `select 1` once one has run
    // (every 5 s: a loaded machine can take that long to get here).
    const killed = await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and (query ilike 'listen%' or query = 'select 1')
          and pid <> pg_backend_pid()`,
    );
    expect(killed.rowCount).toBe(2); // A's and B's listeners
    await waitFor(() => a.warnings.length > 0);
    expect(a.warnings[0]).toMatch(/bypassed/);
    await logout(b, token);
    await refusedWithinBound(a, token);
    await waitFor(() => a.tessera.sessionCache?.enabled === true);
    expect(await me(a, token)).toBe(401);
    await revocationDelay(a, b, user.name, password);
  });
});

describe("two instances over one SQLite file", () => {
  it("a session ended on B is refused on A, which had it cached (PRAGMA data_version)", async () => {
    const { a, b, user, password } = await twoInstances(() => ({}), "sqlite");
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) delays.push(await revocationDelay(a, b, user.name, password));
    console.info(
      `revocation delay over SQLite data_version (ms): ${delays.map((d) => d.toFixed(1)).join(", ")}`,
    );
  });
});
