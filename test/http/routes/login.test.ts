/**
 * The session routes (src/http/routes/login.ts: POST /login, /logout, /logout/all, GET /me)
 * through a real listening server, on SQLite and on PostgreSQL (with Redis for the rate
 * limits): successes and the errors each route promises.
 */
import { describe, expect, it } from "vitest";
import { generateTotp } from "../../../src/core/totp.js";
import { hashPassword } from "../../../src/core/password.js";
import { getUserById, listAuditEvents, setPasswordHash } from "../../../src/store/index.js";
import { describeServer } from "../../helpers/routes.js";

/** The time store writes are stamped with (the service's clock, frozen). */
const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();

describeServer("login routes", (server) => {
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
        // Issue 10: the cookie lives as long as the idle window (renewed while used), capped
        // by the session's absolute lifetime.
        const maxAge = Math.min(
          server.config.jwtValidityHours * 3600,
          server.config.sessionIdleMinutes * 60,
        );
        expect(cookie).toMatch(new RegExp(`Max-Age=${maxAge}`));
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
        nowMs: NOW_MS,
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
});
