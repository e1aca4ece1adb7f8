/**
 * A host app's route-level `permissions` (issue 23 item 2) with Tessera's own plugin: a route
 * with `config: { permissions: [...] }` answers users whose roles grant them and refuses the
 * others with 403 `insufficient_permission`; a role taken away is refused at the next request;
 * a malformed permission, or one outside the plugin's `permissions`, fails at start-up.
 */
import { randomBytes } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frozenClock } from "../../src/core/clock.js";
import { createJwt, createJwtKeyRing } from "../../src/core/jwt/index.js";
import { tessera } from "../../src/http/plugin.js";
import { createTessera, type TesseraRuntime } from "../../src/runtime.js";
import { createRole, setUserRoles } from "../../src/services/account/roles.js";
import { createUser } from "../../src/services/account/users.js";
import { createPersonalToken } from "../../src/services/personal-tokens/tokens.js";
import { toPublicUser } from "../../src/services/users-view.js";
import { migrateToLatest } from "../../src/store/index.js";
import { openTestDatabase, type TestDatabase } from "../helpers/database.js";
import { testConfig } from "../helpers/server.js";

const secret = randomBytes(32).toString("base64url");
const keys = createJwtKeyRing(secret);
const clock = frozenClock(Date.UTC(2026, 10, 28, 12));
let app: FastifyInstance;
let parts: TesseraRuntime;
let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase("sqlite");
  await migrateToLatest(database.db);
  app = Fastify({ logger: false });
  const config = testConfig({ TESSERA_JWT_SECRET: secret, TESSERA_JWT_VALIDITY_HOURS: "1" });
  parts = await createTessera(config, { database, clock });
  await app.register(tessera, { tessera: parts, permissions: ["invoices:write"] });
  app.post("/invoices", { config: { permissions: ["invoices:write"] } }, async () => ({
    written: true,
  }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await database.cleanup();
});

async function userWith(roles: string[]) {
  const user = await createUser(app.tessera, null, {
    name: `u${randomBytes(4).toString("hex")}`,
    email: `u${randomBytes(4).toString("hex")}@example.org`,
    password: "correct horse battery",
    mustChangePassword: false,
  });
  if (roles.length > 0) await setUserRoles(app.tessera, null, user.id, roles);
  return {
    user,
    token: createJwt({ ...user, tokenVersion: user.tokenVersion }, 1, { keys, clock }),
  };
}

function write(token: string) {
  return app.inject({
    method: "POST",
    url: "/invoices",
    headers: { authorization: `Bearer ${token}` },
  });
}

describe("a host route's permissions", () => {
  it("admits a user whose role grants them, refuses one without, and a role taken away", async () => {
    await createRole(app.tessera, null, { name: "billing", permissions: ["invoices:write"] });
    const billing = await userWith(["billing"]);
    const other = await userWith([]);
    expect((await write(billing.token)).json()).toEqual({ written: true });
    const refused = await write(other.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      code: "insufficient_permission",
      extra: { missing: ["invoices:write"] },
    });
    await setUserRoles(app.tessera, null, billing.user.id, []);
    expect((await write(billing.token)).statusCode).toBe(403);
  });

  it("admits a personal access token that carries the permission and whose user holds it", async () => {
    await createRole(app.tessera, null, { name: "invoicing", permissions: ["invoices:write"] });
    const holder = await userWith(["invoicing"]);
    const meta = { ip: "127.0.0.1", userAgent: null };
    const make = (scopes: string[]) =>
      createPersonalToken(
        app.tessera,
        toPublicUser(holder.user),
        holder.user.id,
        { name: "script", scopes },
        meta,
      );
    const carrying = (await make(["invoices:write"])).token;
    const without = (await make(["profile:read"])).token;
    expect((await write(carrying)).json()).toEqual({ written: true });
    const refused = await write(without);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: "insufficient_scope" });
    expect(refused.headers["www-authenticate"]).toContain('scope="invoices:write"');
    // The role taken away: the token opens no more than its user holds now.
    await setUserRoles(app.tessera, null, holder.user.id, []);
    expect((await write(carrying)).statusCode).toBe(403);
    // And a scope the user does not hold cannot be put on a token.
    await expect(make(["invoices:write"])).rejects.toMatchObject({ code: "invalid_scope" });
  });

  it("fails at start-up on a malformed or undeclared permission", async () => {
    for (const permissions of [["invoices:delete"], ["invoices"]]) {
      const host = Fastify({ logger: false });
      await host.register(tessera, { tessera: parts, permissions: ["invoices:write"] });
      expect(() => host.get("/x", { config: { permissions } }, async () => ({}))).toThrow(
        TypeError,
      );
      await host.close().catch(() => undefined);
    }
  });
});
