/**
 * Issue 23 across two instances over one PostgreSQL database with Redis as the session channel:
 * an admin changes a user's roles (and a role's permissions) on A; B, which had the user's view
 * and grants cached, shows the change in `GET /me` and in the next access token as fast as a
 * revocation (the bound of issue 10, one second: the test polls B and fails after it).
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createUser } from "../../src/services/account/users.js";
import { openTestDatabase, TEST_DIALECTS } from "../helpers/database.js";
import { startInstance, type Instance } from "../helpers/instances.js";
import { redisSkipReason, TEST_REDIS_URL } from "../helpers/redis.js";
import { TEST_ORIGIN } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

/** As a revocation (issue 10, README): another instance sees the change within 1 s. */
const PROPAGATION_BOUND_MS = 1_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

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

async function call(
  instance: Instance,
  token: string,
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${instance.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(json === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : JSON.parse(text) };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

/** Polls until `check` holds; fails once the bound has passed. The delay in ms. */
async function withinBound(what: string, check: () => Promise<boolean>): Promise<number> {
  try {
    return await waitFor(check, { giveUpMs: PROPAGATION_BOUND_MS });
  } catch (error) {
    throw new Error(`${what} not seen on B within ${PROPAGATION_BOUND_MS} ms`, { cause: error });
  }
}

const postgres = TEST_DIALECTS.includes("postgres");
const redisProblem = postgres ? await redisSkipReason("roles on two instances") : null;
if (!postgres) console.warn("Skipping the two-instance roles tests: no PostgreSQL");

describe.skipIf(!postgres || redisProblem !== null)("roles on two instances", () => {
  it("a role change on A shows in GET /me and the next access token on B", async () => {
    const database = await openTestDatabase("postgres");
    cleanups.push(() => database.cleanup());
    const env = {
      TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"),
      TESSERA_REDIS_URL: TEST_REDIS_URL,
    };
    const a = await startInstance(database, env, cleanups);
    const b = await startInstance(database, env, cleanups);
    const password = "a long enough passphrase";
    const make = (isAdmin: boolean) =>
      createUser(a.tessera.ctx, null, {
        name: `u${randomBytes(4).toString("hex")}`,
        email: `u${randomBytes(4).toString("hex")}@example.org`,
        password,
        isAdmin,
        mustChangePassword: false,
      });
    const admin = await make(true);
    const user = await make(false);
    const adminToken = await login(a, admin.name, password);
    const userToken = await login(b, user.name, password);
    const created = await call(a, adminToken, "POST", "/roles", {
      name: "billing",
      permissions: ["invoices:write"],
    });
    expect(created.status).toBe(201);

    // B holds the user's view and grants (the sign-in's own event may evict them once: poll).
    await waitFor(async () => {
      const me = await call(b, userToken, "GET", "/me");
      expect(me.body.roles).toEqual([]);
      return b.tessera.sessionCache?.getGrants(user.id) !== undefined;
    });

    expect(
      (await call(a, adminToken, "PUT", `/users/${user.id}/roles`, { roles: ["billing"] })).status,
    ).toBe(200);
    const given = await withinBound("the role given", async () => {
      const me = await call(b, userToken, "GET", "/me");
      return JSON.stringify(me.body.roles) === '["billing"]';
    });
    const access = await call(b, userToken, "POST", "/token/access");
    expect(claimsOf(access.body.access_token as string)).toMatchObject({
      roles: ["billing"],
      permissions: ["invoices:write"],
    });

    // A change of the role's permissions reaches B too (B cached the new grants meanwhile).
    await waitFor(async () => {
      await call(b, userToken, "GET", "/me");
      const cached = b.tessera.sessionCache?.getGrants(user.id);
      return JSON.stringify(cached?.permissions) === '["invoices:write"]';
    });
    await call(a, adminToken, "PATCH", "/roles/billing", { permissions: ["invoices:read"] });
    const changed = await withinBound("the role's new permissions", async () => {
      const me = await call(b, userToken, "GET", "/me");
      return JSON.stringify(me.body.permissions) === '["invoices:read"]';
    });
    const next = await call(b, userToken, "POST", "/token/access");
    expect(claimsOf(next.body.access_token as string)).toMatchObject({
      permissions: ["invoices:read"],
    });
    console.info(
      `role change seen on B after (ms): given ${given.toFixed(1)}, permissions ${changed.toFixed(1)}`,
    );
  });
});
