/**
 * Issue 14 item 4: database and Redis faults answer 503 `service_unavailable` with Retry-After,
 * quickly, never 500 or a hang, and the app recovers. The connection is cut through a TCP proxy
 * the test controls (test/helpers/tcp-proxy.ts), never by stopping the shared services. Short
 * timeouts are configured so the test runs fast; the assertions never measure time.
 *
 * The PostgreSQL proxy carries the pool and the session channel's LISTEN connection (the runtime
 * listens on the database's URL). The fault cases run without the session cache, so what they
 * see never depends on whether the listener happens to be up; one case with the cache on shows
 * that a stall is noticed by the channel's heartbeat and the cache stops answering.
 */
import { sql } from "kysely";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createDatabase } from "../../src/store/index.js";
import {
  DEFAULT_CHANNEL_HEARTBEAT_MS,
  DEFAULT_CHANNEL_HEARTBEAT_TIMEOUT_MS,
} from "../../src/store/session-channel.js";
import { closeRedisClient, createRedisClient } from "../../src/store/redis/client.js";
import { createRedisRateLimitStore } from "../../src/store/rate-limit/index.js";
import {
  openTestDatabase,
  TEST_DIALECTS,
  TEST_POSTGRES_URL,
  type TestDatabase,
} from "../helpers/database.js";
import { openTestRedis, redisSkipReason, TEST_REDIS_URL } from "../helpers/redis.js";
import {
  startTestServer,
  type TestClient,
  type TestResponse,
  type TestServer,
} from "../helpers/server.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";
import { waitFor } from "../helpers/wait.js";

const FAST = { acquireTimeoutMs: 400, statementTimeoutMs: 400 };
const postgresSkip = TEST_DIALECTS.includes("postgres")
  ? null
  : "PostgreSQL is not reachable here (see test/helpers/database.ts)";
if (postgresSkip !== null) console.log(`skipping the PostgreSQL faults: ${postgresSkip}`);
const redisSkip = await redisSkipReason("the Redis faults");
const testRedis = redisSkip === null ? openTestRedis("faults") : null;
afterAll(() => testRedis?.cleanup());

function expectUnavailable(answer: TestResponse): void {
  expect(answer.status).toBe(503);
  expect(answer.body).toMatchObject({ code: "service_unavailable", status_code: 503 });
  expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
}

/** Asks until the app answers 200 again (the pool finds its dead connections one by one). */
async function recovered(ask: () => Promise<{ status: number }>): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < 20; i++) {
    const { status } = await ask();
    seen.push(status);
    if (status === 200) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

describe.skipIf(postgresSkip !== null)("PostgreSQL through a proxy", () => {
  let proxy: TcpProxy;
  let database: TestDatabase;
  let server: TestServer;
  let client: TestClient;

  afterEach(async () => {
    await proxy.setMode("pass");
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await database?.cleanup();
  });

  async function start(): Promise<void> {
    database = await openTestDatabase("postgres");
    const target = new URL(database.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const proxied = await createDatabase(viaProxy.toString(), FAST);
    // About database faults, not the cache (see the case with the cache below).
    server = await startTestServer("postgres", {
      env: { TESSERA_SESSION_CACHE: "off" },
      overrides: { database: proxied },
    });
    const user = await server.createUser({});
    client = server.client();
    await client.login(user.name, user.password);
    // The harness does not close an overridden database: close it with the server.
    const close = server.close.bind(server);
    server.close = async () => {
      await close();
      await proxied.destroy();
    };
  }

  for (const fault of ["refuse", "stall", "drop"] as const) {
    it(`answers 503 with Retry-After while PostgreSQL is cut (${fault}), and recovers`, async () => {
      if (server === undefined) await start();
      expect((await client.request("GET", "/me")).status).toBe(200);
      if (fault === "drop") proxy.drop();
      else await proxy.setMode(fault);

      if (fault === "drop") {
        // Dropped connections: the first query on each may fail (503), never 500.
        const statuses = await recovered(() => client.request("GET", "/me"));
        expect(statuses.every((s) => s === 503 || s === 200)).toBe(true);
        expect(statuses.at(-1)).toBe(200);
        return;
      }
      expectUnavailable(await client.request("GET", "/me"));
      expectUnavailable(
        await server.client().request("POST", "/login", {
          json: { name: "someone", password: "whatever password" },
        }),
      );
      const ready = await client.request("GET", "/readyz");
      expectUnavailable(ready);
      expect(ready.body.extra).toMatchObject({ database: "unreachable" });
      // Liveness asks nothing of the database.
      expect((await client.request("GET", "/healthz")).status).toBe(200);

      await proxy.setMode("pass");
      const statuses = await recovered(() => client.request("GET", "/me"));
      expect(statuses.every((s) => s === 503 || s === 200)).toBe(true);
      expect(statuses.at(-1)).toBe(200);
      expect((await client.request("GET", "/readyz")).status).toBe(200);
    });
  }

  it("with the session cache on, a stall is noticed by the channel heartbeat: /me stops answering from the cache (503), then recovers", async () => {
    if (server === undefined) await start();
    const viaProxy = new URL(database.url);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const proxied = await createDatabase(viaProxy.toString(), FAST);
    const warnings: string[] = [];
    const cached = await startTestServer("postgres", {
      // The same database as `server`: the same key-encryption secret opens its stored keys
      // (the OpenID provider's RS256 key, made on first start).
      env: {
        TESSERA_SESSION_CACHE: "on",
        TESSERA_KEY_ENCRYPTION_SECRET: server.config.keyEncryptionSecret,
      },
      overrides: {
        database: proxied,
        logger: { warn: (message) => warnings.push(message), info: () => undefined },
      },
    });
    try {
      const cache = cached.tessera.sessionCache;
      expect(cache).not.toBeNull();
      await waitFor(() => cache?.enabled === true, { pollMs: 50 });
      const user = await cached.createUser({});
      const me = cached.client();
      await me.login(user.name, user.password);
      // The sign-in's own NOTIFY evicts the user's entries when it arrives (late on a loaded
      // machine): use the session until the cache holds it.
      await waitFor(
        async () => {
          expect((await me.request("GET", "/me")).status).toBe(200);
          return (cache?.size() ?? 0) > 0;
        },
        { pollMs: 50 },
      );

      await proxy.setMode("stall");
      // Until the heartbeat misses, the cache may still answer (200); then every answer is 503.
      // Give up well after the bound (heartbeat interval + its timeout): a failure, not a timing.
      const seen: number[] = [];
      const bound = DEFAULT_CHANNEL_HEARTBEAT_MS + DEFAULT_CHANNEL_HEARTBEAT_TIMEOUT_MS;
      await waitFor(
        async () => {
          seen.push((await me.request("GET", "/me")).status);
          return seen.at(-1) === 503;
        },
        { giveUpMs: bound + 8_000, pollMs: 50 },
      );
      expect(seen.every((s) => s === 200 || s === 503)).toBe(true);
      // The first 503 can come before the heartbeat's verdict: a request that misses the cache
      // (the sign-in's own NOTIFY arriving late evicts the entry) goes to the stalled database.
      // The heartbeat must still notice the stall within its bound.
      await waitFor(() => cache?.enabled === false, { giveUpMs: bound + 8_000, pollMs: 50 });
      expect(warnings.join("\n")).toMatch(/heartbeat missed/);
      expectUnavailable(await me.request("GET", "/me"));

      await proxy.setMode("pass");
      const statuses = await recovered(() => me.request("GET", "/me"));
      expect(statuses.every((s) => s === 503 || s === 200)).toBe(true);
      expect(statuses.at(-1)).toBe(200);
      await waitFor(() => cache?.enabled === true, { pollMs: 50 });
      expect((await me.request("GET", "/me")).status).toBe(200);
    } finally {
      await cached.close();
      await proxied.destroy();
    }
  });

  it("is not ready on an empty, re-created database", async () => {
    const empty = await openTestDatabase("postgres");
    try {
      const { createTessera } = await import("../../src/runtime.js");
      const { testConfig } = await import("../helpers/server.js");
      const tessera = await createTessera(testConfig(), { database: empty });
      // Re-created under the running app: no tables at all.
      await sql`drop schema public cascade`.execute(empty.db);
      await sql`create schema public`.execute(empty.db);
      const state = await tessera.readiness();
      expect(state).toEqual({ ready: false, database: "not_migrated", redis: "none" });
      await tessera.close();
    } finally {
      await empty.cleanup();
    }
  });
});

describe.skipIf(postgresSkip !== null)("PostgreSQL refusing new connections", () => {
  // Issue 18 item 11: a database that refuses connections (`ALLOW_CONNECTIONS false`: SQLSTATE
  // 55000 at connect, severity FATAL) answered 500 `internal_error` on every route.
  let database: TestDatabase | undefined;
  let server: TestServer | undefined;
  let admin: pg.Client | undefined;
  let name = "";

  afterAll(async () => {
    if (name !== "") await admin?.query(`alter database "${name}" allow_connections true`);
    await admin?.end();
    await server?.close();
    await database?.cleanup();
  });

  it("answers 503 service_unavailable with Retry-After while the database does not allow connections, and recovers", async () => {
    database = await openTestDatabase("postgres");
    name = new URL(database.url).pathname.slice(1);
    // The server's own pool, so the test can see when its old connections are gone.
    const pool = await createDatabase(database.url, FAST);
    server = await startTestServer("postgres", {
      env: { TESSERA_SESSION_CACHE: "off" },
      overrides: { database: pool },
    });
    const close = server.close.bind(server);
    server.close = async () => {
      await close();
      await pool.destroy();
    };
    const user = await server.createUser({});
    const client = server.client();
    await client.login(user.name, user.password);
    expect((await client.request("GET", "/me")).status).toBe(200);

    admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`alter database "${name}" allow_connections false`);
    await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1", [
      name,
    ]);
    // Every pooled connection is gone, so the next query must connect, and is refused.
    await waitFor(() => pool.poolStats?.().total === 0);
    const probe = new pg.Client({ connectionString: database.url });
    probe.on("error", () => undefined);
    const refused = await probe.connect().then(
      () => "connected",
      (error: { code?: string; severity?: string }) => `${error.code} ${error.severity}`,
    );
    await probe.end().catch(() => undefined);
    expect(refused).toBe("55000 FATAL");

    expectUnavailable(await client.request("GET", "/me"));
    expectUnavailable(
      await server.client().request("POST", "/login", {
        json: { name: user.name, password: user.password },
      }),
    );
    const ready = await client.request("GET", "/readyz");
    expectUnavailable(ready);

    await admin.query(`alter database "${name}" allow_connections true`);
    const statuses = await recovered(() => client.request("GET", "/me"));
    expect(statuses.every((s) => s === 503 || s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(200);
  });
});

describe.skipIf(redisSkip !== null)("Redis through a proxy", () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let redis: ReturnType<typeof createRedisClient>;

  afterAll(async () => {
    await server?.close();
    if (redis !== undefined) await closeRedisClient(redis);
    await proxy?.close();
  });

  for (const fault of ["refuse", "stall", "drop"] as const) {
    it(`answers 503 with Retry-After while Redis is cut (${fault}), and recovers`, async () => {
      if (server === undefined) {
        const target = new URL(TEST_REDIS_URL);
        proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
        const viaProxy = `redis://127.0.0.1:${proxy.port}`;
        redis = createRedisClient(viaProxy, { commandTimeoutMs: 400, connectTimeoutMs: 400 });
        const keyPrefix = testRedis!.subPrefix();
        // The runtime's own client (TESSERA_REDIS_URL) only answers /readyz's PING here; the
        // counters go through the test's client under the test's prefix.
        server = await startTestServer("sqlite", {
          env: { TESSERA_REDIS_URL: viaProxy },
          overrides: { rateLimitStore: createRedisRateLimitStore(redis, { keyPrefix }) },
        });
      }
      let attempt = 0;
      // A new name each time, so the per-account lock never answers instead of Redis.
      const login = () =>
        server.client().request("POST", "/login", {
          json: { name: `someone-${fault}-${(attempt += 1)}`, password: "whatever password" },
        });
      expect((await login()).status).toBe(400);
      expect((await server.client().request("GET", "/readyz")).body).toMatchObject({
        redis: "ok",
      });
      if (fault === "drop") {
        proxy.drop();
        const statuses = await recovered(async () => {
          const answer = await login();
          return { status: answer.status === 400 ? 200 : answer.status };
        });
        expect(statuses.every((s) => s === 503 || s === 200)).toBe(true);
        expect(statuses.at(-1)).toBe(200);
        return;
      }
      await proxy.setMode(fault);
      expectUnavailable(await login());
      const ready = await server.client().request("GET", "/readyz");
      expectUnavailable(ready);
      expect(ready.body.extra).toMatchObject({ database: "ok", redis: "unreachable" });
      expect((await server.client().request("GET", "/healthz")).status).toBe(200);
      await proxy.setMode("pass");
      const statuses = await recovered(async () => {
        const answer = await login();
        return { status: answer.status === 400 ? 200 : answer.status };
      });
      expect(statuses.every((s) => s === 503 || s === 200)).toBe(true);
      expect(statuses.at(-1)).toBe(200);
    });
  }
});
