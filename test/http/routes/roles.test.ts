/**
 * Roles and permissions (issue 23 item 2) through a real listening server on SQLite and on
 * PostgreSQL: the admin routes, the rules (nobody sets their own roles, an admin may not manage
 * another admin, unknown roles named, the built-in `admin` kept in step with `is_admin` both
 * ways, the last admin kept), and what carries the result: `GET /me`, the next access token,
 * introspection, a host route's `permissions`.
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { setUserRoles } from "../../../src/services/account/roles.js";
import { describeServer } from "../../helpers/routes.js";
import type { TestClient, TestServer } from "../../helpers/server.js";

const SECRET = "introspection-secret-0123456789-abcdef";

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

async function signedIn(server: TestServer, isAdmin: boolean) {
  const user = await server.createUser({ isAdmin });
  const client = server.client();
  await client.login(user.name, user.password);
  return { user, client };
}

function roleName(): string {
  return `r-${randomUUID().slice(0, 8)}`;
}

async function accessClaims(client: TestClient): Promise<Record<string, unknown>> {
  const response = await client.request("POST", "/token/access");
  expect(response.status).toBe(200);
  return claimsOf(response.body.access_token as string);
}

describeServer(
  "roles routes",
  (server) => {
    it("lets an admin create, list, change and delete a role; others get 403", async () => {
      const { client: admin } = await signedIn(server, true);
      const { client: user } = await signedIn(server, false);
      const name = roleName();
      const created = await admin.request("POST", "/roles", {
        json: {
          name,
          description: "Pays invoices",
          permissions: ["invoices:write", "invoices:read"],
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name,
        description: "Pays invoices",
        permissions: ["invoices:read", "invoices:write"],
        built_in: false,
        holders: 0,
      });
      const taken = await admin.request("POST", "/roles", { json: { name, permissions: [] } });
      expect([taken.status, taken.body.code]).toEqual([409, "role_exists"]);
      const list = await admin.request("GET", "/roles");
      expect(list.status).toBe(200);
      const names = (list.body as { name: string }[]).map((r) => r.name);
      expect(names).toContain(name);
      expect(names).toContain("admin");
      const changed = await admin.request("PATCH", `/roles/${name}`, {
        json: { permissions: ["invoices:read"] },
      });
      expect(changed.body.permissions).toEqual(["invoices:read"]);
      expect(changed.body.description).toBe("Pays invoices");
      for (const [method, path, json] of [
        ["GET", "/roles", undefined],
        ["POST", "/roles", { name: roleName(), permissions: [] }],
        ["PATCH", `/roles/${name}`, { description: "x" }],
        ["DELETE", `/roles/${name}`, undefined],
      ] as const) {
        const refused = await user.request(method, path, json === undefined ? {} : { json });
        expect([method, path, refused.status, refused.body.code]).toEqual([
          method,
          path,
          403,
          "permission_denied",
        ]);
      }
      expect((await admin.request("DELETE", `/roles/${name}`)).status).toBe(200);
      const gone = await admin.request("DELETE", `/roles/${name}`);
      expect([gone.status, gone.body.code]).toEqual([404, "not_found"]);
      const builtIn = await admin.request("DELETE", "/roles/admin");
      expect([builtIn.status, builtIn.body.code]).toEqual([409, "built_in_role"]);
    });

    it("refuses a malformed permission or name with validation_error", async () => {
      const { client: admin } = await signedIn(server, true);
      for (const json of [
        { name: roleName(), permissions: ["invoices"] },
        { name: roleName(), permissions: ["Invoices:Write"] },
        { name: roleName(), permissions: ["invoices:write extra"] },
        { name: "Billing", permissions: [] },
        { name: "has space", permissions: [] },
      ]) {
        const refused = await admin.request("POST", "/roles", { json });
        expect([JSON.stringify(json), refused.status, refused.body.code]).toEqual([
          JSON.stringify(json),
          400,
          "validation_error",
        ]);
      }
    });

    it("refuses a user's own roles, another admin's, a non-admin's try, and names unknown roles", async () => {
      const { user: adminUser, client: admin } = await signedIn(server, true);
      const { user: other } = await signedIn(server, true);
      const { user, client: asUser } = await signedIn(server, false);
      const own = await admin.request("PUT", `/users/${adminUser.id}/roles`, {
        json: { roles: ["admin"] },
      });
      expect([own.status, own.body.code]).toEqual([403, "permission_denied"]);
      const ownAsUser = await asUser.request("PUT", `/users/${user.id}/roles`, {
        json: { roles: [] },
      });
      expect([ownAsUser.status, ownAsUser.body.code]).toEqual([403, "permission_denied"]);
      const otherAdmin = await admin.request("PUT", `/users/${other.id}/roles`, {
        json: { roles: [] },
      });
      expect([otherAdmin.status, otherAdmin.body.code]).toEqual([403, "permission_denied"]);
      const byUser = await asUser.request("PUT", `/users/${adminUser.id}/roles`, {
        json: { roles: [] },
      });
      expect(byUser.status).toBe(403);
      const unknown = await admin.request("PUT", `/users/${user.id}/roles`, {
        json: { roles: ["no-such-role", "admin"] },
      });
      expect([unknown.status, unknown.body.code, unknown.body.extra]).toEqual([
        400,
        "unknown_role",
        { roles: ["no-such-role"] },
      ]);
      expect((await asUser.request("GET", "/me")).body.is_admin).toBe(false);
    });

    it("shows a role given or taken in GET /me, the next access token and introspection", async () => {
      const { client: admin } = await signedIn(server, true);
      const { user, client } = await signedIn(server, false);
      const name = roleName();
      await admin.request("POST", "/roles", {
        json: { name, permissions: ["invoices:write", "users:read"] },
      });
      const before = await client.request("GET", "/me");
      expect([before.body.roles, before.body.permissions]).toEqual([[], []]);
      expect(await accessClaims(client)).toMatchObject({ roles: [], permissions: [] });

      const put = await admin.request("PUT", `/users/${user.id}/roles`, {
        json: { roles: [name] },
      });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ roles: [name], permissions: ["invoices:write", "users:read"] });
      const me = await client.request("GET", "/me");
      expect([me.body.roles, me.body.permissions]).toEqual([
        [name],
        ["invoices:write", "users:read"],
      ]);
      const token = (await client.request("POST", "/token/access")).body.access_token as string;
      expect(claimsOf(token)).toMatchObject({
        roles: [name],
        permissions: ["invoices:write", "users:read"],
      });

      // A change of the role's permissions reaches its holders at their next request.
      await admin.request("PATCH", `/roles/${name}`, { json: { permissions: ["invoices:read"] } });
      expect((await client.request("GET", "/me")).body.permissions).toEqual(["invoices:read"]);
      const introspected = await server.client().request("POST", "/token/introspect", {
        headers: { authorization: `Bearer ${SECRET}` },
        json: { token },
        origin: null,
      });
      expect(introspected.body).toMatchObject({
        active: true,
        roles: [name],
        permissions: ["invoices:read"],
      });
      // Deleting the role takes it from everyone.
      await admin.request("DELETE", `/roles/${name}`);
      expect((await client.request("GET", "/me")).body.roles).toEqual([]);
      expect(await accessClaims(client)).toMatchObject({ roles: [], permissions: [] });
    });

    it("keeps the admin role in step with is_admin, both ways", async () => {
      const { client: admin } = await signedIn(server, true);
      const { user, client } = await signedIn(server, false);
      // The role makes an admin…
      const put = await admin.request("PUT", `/users/${user.id}/roles`, {
        json: { roles: ["admin"] },
      });
      expect(put.body.roles).toEqual(["admin"]);
      const me = await client.request("GET", "/me");
      expect([me.body.is_admin, me.body.roles]).toEqual([true, ["admin"]]);
      // …and the flag is the role: demoting (the existing route) takes it.
      expect((await client.request("PATCH", `/users/${user.id}/demote`)).status).toBe(200);
      const after = await client.request("GET", "/me");
      expect([after.body.is_admin, after.body.roles]).toEqual([false, []]);
      // Promoting gives it, with the permissions an admin changed on it.
      await admin.request("PATCH", "/roles/admin", { json: { permissions: ["audit:read"] } });
      await admin.request("PATCH", `/users/${user.id}/promote`);
      const promoted = await client.request("GET", "/me");
      expect([promoted.body.roles, promoted.body.permissions]).toEqual([["admin"], ["audit:read"]]);
      expect(await accessClaims(client)).toMatchObject({ roles: ["admin"] });
      await admin.request("PATCH", "/roles/admin", { json: { permissions: [] } });
    });

    it("audits each change", async () => {
      const { client: admin } = await signedIn(server, true);
      const { user } = await signedIn(server, false);
      const name = roleName();
      await admin.request("POST", "/roles", { json: { name, permissions: ["a:b"] } });
      await admin.request("PUT", `/users/${user.id}/roles`, { json: { roles: [name] } });
      await admin.request("PATCH", `/roles/${name}`, { json: { permissions: [] } });
      await admin.request("DELETE", `/roles/${name}`);
      const events = (await admin.request("GET", "/audit?limit=50")).body.events as {
        event: string;
        user_id: string | null;
        detail: Record<string, unknown>;
      }[];
      const mine = events.filter(
        (e) =>
          e.detail.role === name || (e.event === "user_roles_changed" && e.user_id === user.id),
      );
      expect(mine.map((e) => e.event).sort()).toEqual([
        "role_created",
        "role_deleted",
        "role_updated",
        "user_roles_changed",
      ]);
      expect(mine.find((e) => e.event === "user_roles_changed")?.detail).toMatchObject({
        added: [name],
        removed: [],
      });
    });
  },
  { env: { TESSERA_INTROSPECTION_SECRET: SECRET } },
);

describeServer("the last admin and the operator's roles", (server) => {
  it("refuses to take the admin role from the last admin, and lets the operator set roles", async () => {
    const only = await server.createUser({ isAdmin: true });
    const ctx = server.tessera.ctx;
    await expect(setUserRoles(ctx, null, only.id, [])).rejects.toMatchObject({
      code: "last_admin",
    });
    const user = await server.createUser({});
    const grants = await setUserRoles(ctx, null, user.id, ["admin"]);
    expect(grants.roles).toEqual(["admin"]);
    // Two admins now: the first may lose the role (through the operator, never by themself).
    expect((await setUserRoles(ctx, null, only.id, [])).roles).toEqual([]);
    const client = server.client();
    await client.login(only.name, only.password);
    expect((await client.request("GET", "/me")).body.is_admin).toBe(false);
  });
});
