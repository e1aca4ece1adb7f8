/**
 * The password change and reset routes (src/http/routes/passwords.ts) through a real
 * listening server, on SQLite and on PostgreSQL (with Redis for the rate limits): successes
 * and the errors each route promises.
 */
import { describe, expect, it } from "vitest";
import { describeServer } from "../../helpers/routes.js";

describeServer("password routes", (server) => {
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
});
