/**
 * Every route of the server through a real listening server, on SQLite and on PostgreSQL
 * (with Redis for the rate limits): successes and the errors each route promises.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTotp } from "../../src/core/totp.js";
import { hashPassword } from "../../src/core/password.js";
import { getUserById, listAuditEvents, setPasswordHash } from "../../src/store/index.js";
import { TEST_DIALECTS } from "../helpers/database.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** The time store writes are stamped with (the service's clock, frozen). */
const NOW = new Date(Date.UTC(2026, 10, 28, 12));

describe.each(TEST_DIALECTS)("routes on %s", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => {
    await server.close();
  });

  describe("POST /login", () => {
    it("signs in by name or by email, case-insensitively, and sets the session cookie", async () => {
      const user = await server.createUser({ name: "Ärne", email: "Arne@Example.org" });
      for (const name of ["Ärne", "ärne", "ÄRNE", "arne@example.org"]) {
        const client = server.client();
        const response = await client.login(name, user.password);
        expect(response.body).toMatchObject({ id: user.id, name: "Ärne", is_admin: false });
        expect(response.body).not.toHaveProperty("password_hash");
        const cookie = response.headers.getSetCookie().find((line) => line.startsWith("token="));
        expect(cookie).toMatch(/HttpOnly/i);
        expect(cookie).toMatch(/SameSite=Lax/i);
        expect(cookie).toMatch(/Secure/i); // the test server's public URL is not localhost
        expect(cookie).toMatch(new RegExp(`Max-Age=${server.config.jwtValidityHours * 3600}`));
        expect((await client.request("GET", "/me")).body).toMatchObject({ id: user.id });
      }
    });

    it("answers an unknown name and a wrong password with the same 400", async () => {
      const user = await server.createUser({});
      const wrong = await server
        .client()
        .request("POST", "/login", { json: { name: user.name, password: "wrong password" } });
      const unknown = await server
        .client()
        .request("POST", "/login", { json: { name: "nobody-here", password: "wrong password" } });
      expect(wrong.status).toBe(400);
      expect(unknown.status).toBe(400);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body).toEqual({
        status_code: 400,
        detail: "Invalid name or password",
        code: "invalid_credentials",
      });
    });

    it("asks for a second factor, then accepts a TOTP code once", async () => {
      const user = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      const setup = await client.request("POST", `/users/${user.id}/2fa/totp/setup`);
      expect(setup.status).toBe(200);
      expect(setup.body.otpauth_uri).toContain(`secret=${setup.body.secret}`);
      const clock = () => server.clock();
      const confirm = await client.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
        json: { code: generateTotp(setup.body.secret, { clock }) },
      });
      expect(confirm.body).toEqual({ is_configured: true });
      expect((await client.request("GET", `/users/${user.id}/2fa/totp`)).body).toEqual({
        is_configured: true,
      });

      const other = server.client();
      const needs = await other.request("POST", "/login", {
        json: { name: user.name, password: user.password },
      });
      expect(needs.status).toBe(403);
      expect(needs.body).toMatchObject({
        code: "two_fa_required",
        extra: { user_id: user.id, totp_supported: true, webauthn_supported: false },
      });
      expect(other.cookies.has("token")).toBe(false);

      // The confirming code's step is used: the next step's code signs in, once.
      server.clock.advance(30_000);
      const code = generateTotp(setup.body.secret, { clock: server.clock });
      const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
      expect(
        (
          await other.request("POST", "/login", {
            json: { name: user.name, password: user.password, two_fa_code: spaced },
          })
        ).status,
      ).toBe(200);
      const replay = await server.client().request("POST", "/login", {
        json: { name: user.name, password: user.password, two_fa_code: code },
      });
      expect(replay.status).toBe(400);
      expect(replay.body.code).toBe("invalid_two_fa_code");
      const wrong = await server.client().request("POST", "/login", {
        json: {
          name: user.name,
          password: user.password,
          two_fa_code: "000000" === code ? "111111" : "000000",
        },
      });
      expect(wrong.body.code).toBe("invalid_two_fa_code");
    });

    it("re-hashes a hash with old parameters at the next successful login", async () => {
      const user = await server.createUser({});
      const old = await hashPassword(user.password, {
        memoryKib: 512,
        iterations: 1,
        parallelism: 1,
      });
      await setPasswordHash(server.app.tessera.db, user.id, old, {
        mustChangePassword: false,
        endSessions: false,
        now: NOW,
      });
      await server.client().login(user.name, user.password);
      const after = await getUserById(server.app.tessera.db, user.id);
      expect(after?.passwordHash).not.toBe(old);
      expect(after?.passwordHash).toContain("m=1024,t=1,p=1");
    });

    it("records success, failure and second-factor events in the audit log without secrets", async () => {
      const user = await server.createUser({});
      await server
        .client()
        .request("POST", "/login", { json: { name: user.name, password: "not the password" } });
      await server.client().login(user.name, user.password);
      const events = await listAuditEvents(server.app.tessera.db, { userId: user.id });
      const names = events.map((event) => event.event);
      expect(names).toContain("login_failed");
      expect(names).toContain("login_succeeded");
      expect(JSON.stringify(events)).not.toContain(user.password);
      expect(JSON.stringify(events)).not.toContain("not the password");
    });
  });

  describe("sessions", () => {
    it("POST /logout clears the cookie; POST /logout/all ends every token", async () => {
      const user = await server.createUser({});
      const first = server.client();
      const second = server.client();
      await first.login(user.name, user.password);
      await second.login(user.name, user.password);
      const logout = await first.request("POST", "/logout");
      expect(logout.status).toBe(200);
      expect(first.cookies.has("token")).toBe(false);
      expect((await first.request("GET", "/me")).status).toBe(401);
      const stolen = second.cookies.get("token");
      expect((await second.request("POST", "/logout/all")).status).toBe(200);
      const reuse = await server
        .client()
        .request("GET", "/me", { headers: { authorization: `Bearer ${stolen}` } });
      expect(reuse.status).toBe(401);
    });

    it("lets an API client use the cookie's token as a Bearer token", async () => {
      const user = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      const token = client.cookies.get("token");
      const response = await server
        .client()
        .request("GET", "/me", { headers: { authorization: `Bearer ${token}` } });
      expect(response.body).toMatchObject({ id: user.id, email: user.email });
    });

    it("expires a token after its validity", async () => {
      const user = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      server.clock.advance(server.config.jwtValidityHours * 3_600_000 + 120_000);
      expect((await client.request("GET", "/me")).status).toBe(401);
    });
  });

  describe("users", () => {
    it("shows every field but secrets to admins and ids and names to others", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const user = await server.createUser({});
      const asAdmin = server.client();
      await asAdmin.login(admin.name, admin.password);
      const full = (await asAdmin.request("GET", "/users")).body as Record<string, unknown>[];
      expect(full.find((u) => u.id === user.id)).toMatchObject({
        email: user.email,
        is_admin: false,
      });
      expect(JSON.stringify(full)).not.toMatch(/argon2|password_hash|totp_secret/);
      const asUser = server.client();
      await asUser.login(user.name, user.password);
      const summary = (await asUser.request("GET", "/users")).body as Record<string, unknown>[];
      expect(summary.find((u) => u.id === admin.id)).toEqual({ id: admin.id, name: admin.name });
    });

    it("lets only admins create users, who must change the password at first login", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const asAdmin = server.client();
      await asAdmin.login(admin.name, admin.password);
      const created = await asAdmin.request("POST", "/users/create", {
        json: {
          name: `new-${Date.now()}`,
          email: `new-${Date.now()}@example.org`,
          password: "initial password 1",
        },
      });
      expect(created.status).toBe(201);
      expect(created.body.must_change_password).toBe(true);
      const again = await asAdmin.request("POST", "/users/create", {
        json: {
          name: created.body.name.toUpperCase(),
          email: `x${created.body.email}`,
          password: "initial password 1",
        },
      });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe("conflict");
      const badEmail = await asAdmin.request("POST", "/users/create", {
        json: { name: "someone", email: "not-an-email", password: "initial password 1" },
      });
      expect(badEmail.status).toBe(400);
      const weak = await asAdmin.request("POST", "/users/create", {
        json: { name: "weakling", email: "weak@example.org", password: "short" },
      });
      expect(weak.body.code).toBe("password_policy");

      const newcomer = server.client();
      await newcomer.login(created.body.name, "initial password 1");
      expect((await newcomer.request("GET", "/me")).status).toBe(200);
      const blocked = await newcomer.request("GET", "/users");
      expect(blocked.status).toBe(403);
      expect(blocked.body.code).toBe("password_change_required");
      const change = await newcomer.request("PATCH", `/users/${created.body.id}/password/change`, {
        json: { old_password: "initial password 1", new_password: "my own password 2" },
      });
      expect(change.status).toBe(200);
      expect(change.body.must_change_password).toBe(false);
      // The change ended the old token and the response carried a new cookie.
      expect((await newcomer.request("GET", "/users")).status).toBe(200);

      const user = await server.createUser({});
      const asUser = server.client();
      await asUser.login(user.name, user.password);
      const denied = await asUser.request("POST", "/users/create", {
        json: { name: "sneaky", email: "sneaky@example.org", password: "initial password 1" },
      });
      expect(denied.status).toBe(403);
    });

    it("promotes (admin only) and deletes (admin or self, never another admin)", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const otherAdmin = await server.createUser({ isAdmin: true });
      const user = await server.createUser({});
      const victim = await server.createUser({});
      const asAdmin = server.client();
      await asAdmin.login(admin.name, admin.password);
      const asUser = server.client();
      await asUser.login(user.name, user.password);

      expect((await asUser.request("PATCH", `/users/${victim.id}/promote`)).status).toBe(403);
      expect((await asUser.request("DELETE", `/users/${victim.id}`)).status).toBe(403);
      expect((await asAdmin.request("DELETE", `/users/${otherAdmin.id}`)).status).toBe(403);
      expect(
        (await asAdmin.request("PATCH", "/users/00000000-0000-4000-8000-000000000000/promote"))
          .status,
      ).toBe(404);
      expect((await asAdmin.request("DELETE", "/users/not-a-uuid")).status).toBe(404);

      const promoted = await asAdmin.request("PATCH", `/users/${victim.id}/promote`);
      expect(promoted.body.is_admin).toBe(true);
      expect((await asAdmin.request("DELETE", `/users/${victim.id}`)).status).toBe(403);

      expect((await asUser.request("DELETE", `/users/${user.id}`)).status).toBe(200);
      expect((await asUser.request("GET", "/me")).status).toBe(401);
    });
  });

  describe("passwords", () => {
    it("needs the old password from the user themself and ends older tokens", async () => {
      const user = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      const elsewhere = server.client();
      await elsewhere.login(user.name, user.password);
      const wrongOld = await client.request("PATCH", `/users/${user.id}/password/change`, {
        json: { old_password: "not it at all", new_password: "a brand new password" },
      });
      expect(wrongOld.status).toBe(400);
      expect(wrongOld.body.code).toBe("invalid_credentials");
      const sameAsName = await client.request("PATCH", `/users/${user.id}/password/change`, {
        json: { old_password: user.password, new_password: user.name.toUpperCase() },
      });
      expect(sameAsName.body.code).toBe("password_policy");
      const ok = await client.request("PATCH", `/users/${user.id}/password/change`, {
        json: { old_password: user.password, new_password: "a brand new password" },
      });
      expect(ok.status).toBe(200);
      expect((await client.request("GET", "/me")).status).toBe(200);
      expect((await elsewhere.request("GET", "/me")).status).toBe(401);
      await server.client().login(user.name, "a brand new password");
    });

    it("lets an admin reset a non-admin's password, which must then be changed", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const otherAdmin = await server.createUser({ isAdmin: true });
      const user = await server.createUser({});
      const asAdmin = server.client();
      await asAdmin.login(admin.name, admin.password);
      const asUser = server.client();
      await asUser.login(user.name, user.password);

      const reset = await asAdmin.request("PATCH", `/users/${user.id}/password/reset`, {
        json: { new_password: "temporary password 9" },
      });
      expect(reset.status).toBe(200);
      expect(reset.body.must_change_password).toBe(true);
      expect((await asUser.request("GET", "/me")).status).toBe(401);
      expect(
        (
          await asAdmin.request("PATCH", `/users/${otherAdmin.id}/password/reset`, {
            json: { new_password: "temporary password 9" },
          })
        ).status,
      ).toBe(403);

      const again = server.client();
      await again.login(user.name, "temporary password 9");
      expect(
        (
          await again.request("PATCH", `/users/${admin.id}/password/reset`, {
            json: { new_password: "temporary password 9" },
          })
        ).status,
      ).toBe(403);
    });
  });

  describe("TOTP administration", () => {
    it("lets an admin disable another user's TOTP without a code, audited; the user needs one", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const user = await server.createUser({});
      const asUser = server.client();
      await asUser.login(user.name, user.password);
      const setup = await asUser.request("POST", `/users/${user.id}/2fa/totp/setup`);
      await asUser.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
        json: { code: generateTotp(setup.body.secret, { clock: server.clock }) },
      });
      const noCode = await asUser.request("POST", `/users/${user.id}/2fa/totp/disable`, {
        json: {},
      });
      expect(noCode.status).toBe(400);
      expect(noCode.body.code).toBe("invalid_two_fa_code");

      const asAdmin = server.client();
      await asAdmin.login(admin.name, admin.password);
      const disabled = await asAdmin.request("POST", `/users/${user.id}/2fa/totp/disable`, {
        json: {},
      });
      expect(disabled.body).toEqual({ is_configured: false });
      const events = await listAuditEvents(server.app.tessera.db, {
        userId: user.id,
        event: "totp_disabled",
      });
      expect(events[0]?.detail).toMatchObject({ by: admin.id, without_code: true });
      await server.client().login(user.name, user.password); // no second factor any more
    });

    it("refuses TOTP routes on another user for a non-admin", async () => {
      const user = await server.createUser({});
      const other = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      expect((await client.request("POST", `/users/${other.id}/2fa/totp/setup`)).status).toBe(403);
      expect((await client.request("GET", `/users/${other.id}/2fa/totp`)).status).toBe(403);
    });
  });

  it("GET /healthz answers without a session", async () => {
    const response = await server.client().request("GET", "/healthz");
    expect(response.body).toEqual({ status: "ok", database: "ok" });
  });

  it("serves an OpenAPI document listing the seed's routes", async () => {
    const response = await server.client().request("GET", "/openapi.json");
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        "/login",
        "/logout",
        "/logout/all",
        "/me",
        "/users",
        "/users/create",
        "/users/{id}/password/change",
        "/users/{id}/2fa/totp/setup",
      ]),
    );
  });
});
