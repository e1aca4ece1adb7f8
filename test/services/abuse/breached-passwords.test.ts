/**
 * The password policy through the real app: the optional k-anonymity breach check against a
 * local fake range server (only 5 hex characters leave; found, not found, down, stalled; fail
 * closed and open), a password the policy refuses today forcing a change at sign-in, and the
 * strength meter's endpoint.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { hashPassword } from "../../../src/core/password.js";
import { getUserById, insertUser, listAuditEvents } from "../../../src/store/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

const BREACHED = "Correct-Horse-Battery-9";
const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex").toUpperCase();

/** A Pwned-Passwords-like range server that knows one breached password, with padding lines. */
async function startRangeServer(mode: "answer" | "stall" = "answer") {
  const paths: string[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    paths.push(request.url ?? "");
    if (mode === "stall") return; // never answers
    const prefix = (request.url ?? "").split("/").pop() ?? "";
    const hash = sha1(BREACHED);
    const lines = [
      "0018A45C4D1DEF81644B54AB7F969B88D65:0",
      "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2",
    ];
    if (hash.startsWith(prefix)) lines.push(`${hash.slice(5)}:3861493`);
    response.end(lines.join("\r\n"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}/range/`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serverWith(env: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer("sqlite", { env });
  cleanups.push(() => server.close());
  return server;
}

/** An admin made through the store (the service would consult the range server too). */
async function adminClient(server: TestServer) {
  const password = "Admin-Quartz-Meadow-58";
  const name = `admin${Math.random().toString(36).slice(2, 8)}`;
  await insertUser(server.tessera.database.db, {
    name,
    email: `${name}@example.org`,
    passwordHash: await hashPassword(password, server.config.argon2),
    isAdmin: true,
    nowMs: server.clock(),
  });
  const client = server.client();
  await client.login(name, password);
  return client;
}

describe("the breached-password check", () => {
  it("refuses a breached password with reason breached; only the first 5 hex characters leave", async () => {
    const range = await startRangeServer();
    cleanups.push(range.close);
    const server = await serverWith({ TESSERA_BREACHED_PASSWORDS_URL: range.url });
    const client = await adminClient(server);
    const refused = await client.request("POST", "/users/create", {
      json: { name: "breached", email: "breached@example.org", password: BREACHED },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: "password_policy", extra: { reason: "breached" } });
    expect(range.paths).toContain(`/range/${sha1(BREACHED).slice(0, 5)}`);
    for (const path of range.paths) expect(path).toMatch(/^\/range\/[0-9A-F]{5}$/);
    const fine = await client.request("POST", "/users/create", {
      json: { name: "fine", email: "fine@example.org", password: "Unlisted-Harbour-Lamp-71" },
    });
    expect(fine.status).toBe(201);
  });

  it("fails closed by default when the range service is down or stalls, and open when told", async () => {
    const down = await startRangeServer();
    await down.close();
    const closed = await serverWith({ TESSERA_BREACHED_PASSWORDS_URL: down.url });
    const refused = await (
      await adminClient(closed)
    ).request("POST", "/users/create", {
      json: { name: "later", email: "later@example.org", password: "Unlisted-Harbour-Lamp-71" },
    });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe("service_unavailable");

    const stalled = await startRangeServer("stall");
    cleanups.push(stalled.close);
    const slow = await serverWith({ TESSERA_BREACHED_PASSWORDS_URL: stalled.url });
    const timedOut = await (
      await adminClient(slow)
    ).request("POST", "/users/create", {
      json: { name: "slow", email: "slow@example.org", password: "Unlisted-Harbour-Lamp-71" },
    });
    expect(timedOut.status).toBe(503);

    const open = await serverWith({
      TESSERA_BREACHED_PASSWORDS_URL: down.url,
      TESSERA_BREACHED_PASSWORDS_FAIL: "open",
    });
    const accepted = await (
      await adminClient(open)
    ).request("POST", "/users/create", {
      json: { name: "open", email: "open@example.org", password: "Unlisted-Harbour-Lamp-71" },
    });
    expect(accepted.status).toBe(201);
  }, 20_000);
});

describe("a password the policy refuses today", () => {
  it("signs the user in, then requires a new password before anything else", async () => {
    const server = await serverWith({});
    // Set before the blocklist existed: stored straight through the store.
    const hash = await hashPassword("password1234", server.config.argon2);
    const user = await insertUser(server.tessera.database.db, {
      name: "legacy",
      email: "legacy@example.org",
      passwordHash: hash,
      nowMs: server.clock(),
    });
    const client = server.client();
    const login = await client.login("legacy", "password1234");
    expect(login.body.must_change_password).toBe(true);
    expect((await getUserById(server.tessera.database.db, user.id))?.mustChangePassword).toBe(true);
    expect((await client.request("GET", "/users")).body.code).toBe("password_change_required");
    const events = await listAuditEvents(server.tessera.database.db, { userId: user.id });
    expect(events.map((e) => [e.event, e.detail])).toContainEqual([
      "password_change_required",
      { reason: "common" },
    ]);
  });
});

describe("POST /password/strength", () => {
  it("gives the score and the reason for the meter, for the caller or a named account", async () => {
    const server = await serverWith({});
    const user = await server.createUser({ name: "meter", email: "meter@example.org" });
    const client = server.client();
    expect(
      (await client.request("POST", "/password/strength", { json: { password: "x" } })).status,
    ).toBe(401);
    await client.login(user.name, user.password);
    const weak = await client.request("POST", "/password/strength", {
      json: { password: "meter2024" },
    });
    expect(weak.body).toMatchObject({ acceptable: false, reason: "context", min_score: 2 });
    const strong = await client.request("POST", "/password/strength", {
      json: { password: "Unlisted-Harbour-Lamp-71" },
    });
    expect(strong.body).toMatchObject({ acceptable: true, reason: null, score: 4 });
    const forOther = await client.request("POST", "/password/strength", {
      json: { password: "zephyrine99", name: "zephyrine", email: "z@example.org" },
    });
    expect(forOther.body.reason).toBe("context");
  });
});
