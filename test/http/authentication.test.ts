/**
 * The authentication middleware's options, through a real listening server over a real
 * database: token sources, every failure, `exclude`, `excludeFromAuthKey`,
 * `excludeHttpMethods`, `scopes` (with a WebSocket route), CSRF and the password-change gate.
 */
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { frozenClock } from "../../src/core/clock.js";
import { createJwt, createJwtKeyRing } from "../../src/core/jwt/index.js";
import { installErrorHandler, installNotFoundHandler } from "../../src/http/error-handler.js";
import type { AuthenticationOptions } from "../../src/http/authentication.js";
import { tessera } from "../../src/http/plugin.js";
import { createTessera } from "../../src/runtime.js";
import { createUser } from "../../src/services/account/users.js";
import { announceSessionChange } from "../../src/services/sessions/sessions.js";
import { endUserSessions } from "../../src/services/sessions/ending.js";
import { deleteUserRow, migrateToLatest, type User } from "../../src/store/index.js";
import { openTestDatabase } from "../helpers/database.js";
import { startTestServer, testConfig, TEST_ORIGIN, type TestServer } from "../helpers/server.js";
import { replaceEnd } from "../helpers/tamper.js";

const SECRET = randomBytes(32).toString("base64url");
const keys = createJwtKeyRing(SECRET);
const config = testConfig({
  TESSERA_JWT_SECRET: SECRET,
  TESSERA_JWT_VALIDITY_HOURS: "1",
  TESSERA_APP_NAME: "Tessera Test",
});

interface MiddlewareApp {
  app: FastifyInstance;
  url: string;
  user: User;
  token: string;
  warnings: string[];
  close(): Promise<void>;
}

/** A host app with the Tessera plugin, custom middleware options and a few routes of its own. */
async function hostApp(authentication: AuthenticationOptions): Promise<MiddlewareApp> {
  const database = await openTestDatabase("sqlite");
  await migrateToLatest(database.db);
  const clock = frozenClock(Date.UTC(2026, 10, 28, 12));
  const warnings: string[] = [];
  const app = Fastify({
    logger: {
      level: "warn",
      stream: { write: (line: string) => void warnings.push(line) },
    },
  });
  installErrorHandler(app);
  installNotFoundHandler(app);
  await app.register(websocket);
  const parts = await createTessera(config, { database, clock });
  await app.register(tessera, { tessera: parts, authentication });
  const ok = async () => ({ ok: true });
  app.get("/private", ok);
  app.post("/private", ok);
  app.get("/public", ok);
  app.get("/public/inner", ok);
  app.get("/publicx", ok);
  app.get("/admin/public-audit", ok);
  app.get("/flagged", { config: { isPublic: true, excludeFromAuth: false } as never }, ok);
  app.get("/ws", { websocket: true }, (socket) => {
    socket.send("hello");
    socket.close();
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const user = await createUser(app.tessera, null, {
    name: "alice",
    email: "alice@example.org",
    password: "correct horse battery",
    mustChangePassword: false,
  });
  const token = createJwt({ ...user, tokenVersion: user.tokenVersion }, 1, { keys, clock });
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    user,
    token,
    warnings,
    async close() {
      await app.close();
      await database.cleanup();
    },
  };
}

function openSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; message?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, "ws") + "/ws", { headers });
    socket.on("unexpected-response", (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.on("message", (data) => resolve({ status: 101, message: String(data) }));
    socket.on("error", reject);
  });
}

/** Status of a plain route requested with WebSocket upgrade headers (fetch refuses to send them). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": randomBytes(16).toString("base64"),
      },
    });
    request.on("response", (response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      request.destroy();
    });
    request.on("upgrade", (response, socket) => {
      resolve(response.statusCode ?? 0);
      socket.destroy();
    });
    request.on("error", reject);
    request.end();
  });
}

describe("authentication middleware options", () => {
  let host: MiddlewareApp | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it("opens an excluded path and its sub-paths but not a longer name or the pattern elsewhere", async () => {
    host = await hostApp({ exclude: "/public" });
    const get = async (path: string) => (await fetch(host!.url + path)).status;
    expect(await get("/public")).toBe(200);
    expect(await get("/public/inner")).toBe(200);
    expect(await get("/public?x=1")).toBe(200);
    expect(await get("/publicx")).toBe(401);
    expect(await get("/admin/public-audit")).toBe(401);
    expect(await get("/private")).toBe(401);
  });

  it("matches exclusions on the decoded path the router uses", async () => {
    host = await hostApp({ exclude: ["/public"] });
    // %70 is "p": the router decodes it and serves /public, so the exclusion must see /public too.
    expect((await fetch(`${host.url}/%70ublic`)).status).toBe(200);
    // An encoded slash is not a path separator for the router: /public%2Finner is no route.
    expect((await fetch(`${host.url}/private%2F..%2Fpublic`)).status).toBe(401);
  });

  it("warns at start when a pattern opens the root path", async () => {
    host = await hostApp({ exclude: [".*"] });
    expect(host.warnings.join("\n")).toMatch(/opens the root path/);
  });

  it("makes a route public through a custom excludeFromAuthKey flag", async () => {
    host = await hostApp({ excludeFromAuthKey: "isPublic" });
    expect((await fetch(`${host.url}/flagged`)).status).toBe(200);
    expect((await fetch(`${host.url}/private`)).status).toBe(401);
  });

  it("skips OPTIONS by default and the methods given in excludeHttpMethods", async () => {
    host = await hostApp({});
    expect((await fetch(`${host.url}/private`, { method: "OPTIONS" })).status).not.toBe(401);
    expect((await fetch(`${host.url}/private`)).status).toBe(401);
    await host.close();
    host = await hostApp({ excludeHttpMethods: ["GET"] });
    expect((await fetch(`${host.url}/private`)).status).toBe(200);
    expect((await fetch(`${host.url}/private`, { method: "OPTIONS" })).status).toBe(401);
    expect((await fetch(`${host.url}/private`, { method: "POST" })).status).toBe(401);
  });

  it("authenticates WebSocket upgrades by default", async () => {
    host = await hostApp({});
    expect(await openSocket(host.url)).toEqual({ status: 401 });
    expect(await openSocket(host.url, { authorization: `Bearer ${host.token}` })).toEqual({
      status: 101,
      message: "hello",
    });
  });

  it("leaves WebSocket upgrades alone when the scopes are only http", async () => {
    host = await hostApp({ scopes: ["http"] });
    expect(await openSocket(host.url)).toEqual({ status: 101, message: "hello" });
    // An Upgrade header on a plain route does not make it a WebSocket request.
    expect(await upgradeStatus(`${host.url}/private`)).toBe(401);
  });

  it("leaves plain HTTP alone when the scopes are only websocket", async () => {
    host = await hostApp({ scopes: ["websocket"] });
    expect((await fetch(`${host.url}/private`)).status).toBe(200);
    expect(await openSocket(host.url)).toEqual({ status: 401 });
  });
});

describe("authentication middleware tokens", () => {
  let host: MiddlewareApp;
  beforeAll(async () => {
    host = await hostApp({});
  });
  afterAll(async () => {
    await host.close();
  });

  const status = async (headers: Record<string, string>, method = "GET") =>
    (await fetch(`${host.url}/private`, { method, headers })).status;

  it("accepts the token from the cookie, a Bearer header and the legacy token header", async () => {
    expect(await status({ cookie: `token=${host.token}` })).toBe(200);
    expect(await status({ authorization: `Bearer ${host.token}` })).toBe(200);
    expect(await status({ authorization: `bearer ${host.token}` })).toBe(200);
    expect(await status({ token: host.token })).toBe(200);
  });

  it("answers 401 with a JSON error for a missing, malformed or tampered token", async () => {
    const response = await fetch(`${host.url}/private`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ status_code: 401, code: "not_authorized" });
    expect(await status({ authorization: "Basic YWxpY2U6eA==" })).toBe(401);
    expect(await status({ authorization: "Bearer" })).toBe(401);
    expect(await status({ cookie: "token=not.a.jwt" })).toBe(401);
    const tampered = replaceEnd(host.token, 2);
    expect(await status({ authorization: `Bearer ${tampered}` })).toBe(401);
    const otherKey = createJwt(host.user, 1, { secret: randomBytes(32).toString("hex") });
    expect(await status({ authorization: `Bearer ${otherKey}` })).toBe(401);
  });

  it("refuses a token whose version is older than the user's, and one whose user is gone", async () => {
    const user = await createUser(host.app.tessera, null, {
      name: "bob",
      email: "bob@example.org",
      password: "another good password",
      mustChangePassword: false,
    });
    const token = createJwt({ ...user, tokenVersion: user.tokenVersion }, 1, {
      keys,
      clock: host.app.tessera.clock,
    });
    expect(await status({ authorization: `Bearer ${token}` })).toBe(200);
    // Through the service: it updates the session cache before it returns (issue 10).
    await endUserSessions(host.app.tessera, user.id, "logout_all");
    expect(await status({ authorization: `Bearer ${token}` })).toBe(401);
    const fresh = createJwt({ ...user, tokenVersion: user.tokenVersion + 1 }, 1, {
      keys,
      clock: host.app.tessera.clock,
    });
    expect(await status({ authorization: `Bearer ${fresh}` })).toBe(200);
    await deleteUserRow(host.app.tessera.db, user.id);
    // A store write bypasses the services: the cache learns of it as from another instance.
    await announceSessionChange(host.app.tessera, { kind: "user", userId: user.id });
    expect(await status({ authorization: `Bearer ${fresh}` })).toBe(401);
  });

  it("refuses a cookie-authenticated write from another origin but not a Bearer one", async () => {
    const cookie = `token=${host.token}`;
    expect(await status({ cookie, origin: TEST_ORIGIN }, "POST")).toBe(200);
    const response = await fetch(`${host.url}/private`, {
      method: "POST",
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: "csrf" });
    expect(await status({ cookie, "sec-fetch-site": "cross-site" }, "POST")).toBe(403);
    expect(await status({ cookie, referer: "https://evil.example/page" }, "POST")).toBe(403);
    expect(
      await status(
        { authorization: `Bearer ${host.token}`, origin: "https://evil.example" },
        "POST",
      ),
    ).toBe(200);
    // Reads are not state-changing: a cross-site GET with the cookie is answered.
    expect(await status({ cookie, origin: "https://evil.example" })).toBe(200);
  });
});

describe("the server's middleware settings", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server.close();
  });

  it("keeps /healthz, /login, /openapi.json and /docs public and everything else closed", async () => {
    const client = server.client();
    expect((await client.request("GET", "/healthz")).status).toBe(200);
    expect((await client.request("GET", "/openapi.json")).status).toBe(200);
    expect((await client.request("GET", "/docs")).status).not.toBe(401);
    expect((await client.request("GET", "/me")).status).toBe(401);
    expect((await client.request("GET", "/users")).status).toBe(401);
    expect((await client.request("GET", "/no-such-route")).status).toBe(401);
  });
});
