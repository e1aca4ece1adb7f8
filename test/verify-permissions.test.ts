/**
 * `tessera/verify`'s roles and permissions (issue 23) against a real Tessera: a second app
 * ("invoices") built with `tesseraVerifier`, `requirePermission`, `requireRole` and a route's
 * `config.permissions` admits an access token whose user holds the permission and refuses one
 * without; a session token (no such claims) is refused as such, never answered "no"; names that
 * are malformed or outside the declared vocabulary fail at start-up.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRole, setUserRoles } from "../src/services/account/roles.js";
import {
  createTokenVerifier,
  hasPermission,
  hasRole,
  requirePermission,
  requireRole,
  tesseraVerifier,
  TokenClaimsError,
  tokenUser,
  type TokenVerifier,
} from "../src/verify.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

describe("a resource server checking roles and permissions with tessera/verify", () => {
  let tessera: TestServer;
  let verifier: TokenVerifier;
  let invoices: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    tessera = await startTestServer("sqlite", { env: { TESSERA_JWT_ALGORITHM: "EdDSA" } });
    verifier = createTokenVerifier({
      jwksUrl: `${tessera.baseUrl}/.well-known/jwks.json`,
      clock: tessera.clock,
    });
    invoices = Fastify();
    await invoices.register(tesseraVerifier, {
      verifier,
      permissions: ["invoices:write", "invoices:read"],
      roles: ["billing"],
    });
    invoices.post("/invoices", { preHandler: requirePermission("invoices:write") }, async () => ({
      written: true,
    }));
    invoices.get("/invoices", { config: { permissions: ["invoices:read"] } }, async () => ({
      read: true,
    }));
    invoices.get("/billing", { preHandler: requireRole("billing") }, async () => ({ ok: true }));
    invoices.get("/can", async (request) => ({
      write: hasPermission(tokenUser(request), "invoices:write"),
      billing: hasRole(tokenUser(request), "billing"),
    }));
    await invoices.listen({ host: "127.0.0.1", port: 0 });
    const address = invoices.server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    url = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await invoices?.close();
    await tessera?.close();
  });

  async function tokens(roles: string[]) {
    const user = await tessera.createUser({});
    if (roles.length > 0) {
      await setUserRoles(tessera.tessera.ctx, null, user.id, roles);
    }
    const client = tessera.client();
    const login = await client.login(user.name, user.password);
    const session = (
      await client.request("POST", "/token", {
        json: { name: user.name, password: user.password },
        origin: null,
      })
    ).body.access_token as string;
    expect(login.status).toBe(200);
    const access = (await client.request("POST", "/token/access")).body.access_token as string;
    return { session, access };
  }

  async function call(method: string, path: string, token: string) {
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("admits a token with the permission and refuses one without", async () => {
    await createRole(tessera.tessera.ctx, null, {
      name: "billing",
      permissions: ["invoices:write", "invoices:read"],
    });
    const billing = await tokens(["billing"]);
    const other = await tokens([]);

    expect(await call("POST", "/invoices", billing.access)).toEqual({
      status: 200,
      body: { written: true },
    });
    expect((await call("GET", "/invoices", billing.access)).status).toBe(200);
    expect((await call("GET", "/billing", billing.access)).status).toBe(200);
    expect((await call("GET", "/can", billing.access)).body).toEqual({
      write: true,
      billing: true,
    });

    const refused = await call("POST", "/invoices", other.access);
    expect(refused).toEqual({
      status: 403,
      body: {
        status_code: 403,
        detail: "Not granted: invoices:write",
        code: "insufficient_permission",
        extra: { missing: ["invoices:write"] },
      },
    });
    expect((await call("GET", "/invoices", other.access)).body.code).toBe(
      "insufficient_permission",
    );
    expect((await call("GET", "/billing", other.access)).status).toBe(403);
    expect((await call("GET", "/can", other.access)).body).toEqual({
      write: false,
      billing: false,
    });
  });

  it("refuses a session token, which carries no roles, instead of answering no", async () => {
    const { session } = await tokens([]);
    const refused = await call("POST", "/invoices", session);
    expect([refused.status, refused.body.code]).toEqual([403, "token_claims_missing"]);
    const verified = await verifier.verify(session);
    expect(verified).not.toBeNull();
    expect(() => hasRole(verified!, "billing")).toThrow(TokenClaimsError);
    expect(() => hasPermission(verified!, "invoices:write")).toThrow(TokenClaimsError);
  });

  it("fails at start-up on a malformed or undeclared permission or role", async () => {
    expect(() => requirePermission("invoices")).toThrow(TypeError);
    expect(() => requireRole("Billing")).toThrow(TypeError);
    expect(() => hasPermission({ claims: { permissions: [] } }, "not a permission")).toThrow(
      TypeError,
    );
    for (const route of [
      { preHandler: requirePermission("invoices:delete") },
      { preHandler: requireRole("auditors") },
      { config: { permissions: ["invoices:delete"] } },
      { config: { permissions: ["invoices"] } },
    ]) {
      const app = Fastify();
      await app.register(tesseraVerifier, {
        verifier,
        permissions: ["invoices:write"],
        roles: ["billing"],
      });
      expect(() => app.get("/x", route, async () => ({}))).toThrow(TypeError);
      await app.close();
    }
  });
});
