/**
 * The user administration routes (src/http/routes/users.ts) through a real listening server,
 * on SQLite and on PostgreSQL (with Redis for the rate limits): successes and the errors each
 * route promises.
 */
import { describe, expect, it } from "vitest";
import { listAuditEvents } from "../../../src/store/index.js";
import { describeServer } from "../../helpers/routes.js";

describeServer("users routes", (server) => {
  describe("users", () => {
    it("shows admins every field but secrets, and refuses the list to others (no directory)", async () => {
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
      const refused = await asUser.request("GET", "/users");
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("permission_denied");
      expect(refused.text).not.toContain(admin.name);
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
      const blocked = await newcomer.request("GET", `/users/${created.body.id}/2fa/totp`);
      expect(blocked.status).toBe(403);
      expect(blocked.body.code).toBe("password_change_required");
      const change = await newcomer.request("PATCH", `/users/${created.body.id}/password/change`, {
        json: { old_password: "initial password 1", new_password: "my own password 2" },
      });
      expect(change.status).toBe(200);
      expect(change.body.must_change_password).toBe(false);
      // The change ended the old token and the response carried a new cookie.
      expect((await newcomer.request("GET", `/users/${created.body.id}/2fa/totp`)).status).toBe(
        200,
      );

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

    it("saves a language (the user or an admin), shows it in GET /me at once, audits it", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const user = await server.createUser({});
      const other = await server.createUser({});
      const asUser = server.client();
      await asUser.login(user.name, user.password);
      const asAdmin = server.client();
      await asAdmin.login(admin.name, admin.password);
      // Cached first: the change must drop the kept body.
      expect((await asUser.request("GET", "/me")).body.locale).toBeNull();
      const saved = await asUser.request("PATCH", `/users/${user.id}/locale`, {
        json: { locale: "de" },
      });
      expect(saved.status).toBe(200);
      expect(saved.body).toMatchObject({ id: user.id, locale: "de" });
      expect((await asUser.request("GET", "/me")).body.locale).toBe("de");

      const bad = await asUser.request("PATCH", `/users/${user.id}/locale`, {
        json: { locale: "xx" },
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: "validation_error", extra: { field: "locale" } });
      const pseudo = await asUser.request("PATCH", `/users/${user.id}/locale`, {
        json: { locale: "en-XA" },
      });
      expect(pseudo.status).toBe(400);
      const foreign = await asUser.request("PATCH", `/users/${other.id}/locale`, {
        json: { locale: "fr" },
      });
      expect(foreign.status).toBe(403);

      const byAdmin = await asAdmin.request("PATCH", `/users/${user.id}/locale`, {
        json: { locale: null },
      });
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body.locale).toBeNull();
      expect((await asUser.request("GET", "/me")).body.locale).toBeNull();
      const listed = (await asAdmin.request("GET", "/users")).body as Record<string, unknown>[];
      expect(listed.find((u) => u.id === user.id)).toMatchObject({ locale: null });
      expect(
        (
          await asAdmin.request("PATCH", "/users/00000000-0000-4000-8000-000000000000/locale", {
            json: { locale: "es" },
          })
        ).status,
      ).toBe(404);
      const events = await listAuditEvents(server.tessera.ctx.db, {
        event: "user_locale_changed",
        userId: user.id,
      });
      expect(events.map((e) => e.detail.locale).sort()).toEqual(["de", null].sort());
    });
  });
});
