/**
 * The TOTP routes (src/http/routes/totp.ts) through a real listening server, on SQLite and on
 * PostgreSQL (with Redis for the rate limits): successes and the errors each route promises.
 */
import { describe, expect, it } from "vitest";
import { generateTotp } from "../../../src/core/totp.js";
import { listAuditEvents } from "../../../src/store/index.js";
import { describeServer } from "../../helpers/routes.js";

describeServer("TOTP routes", (server) => {
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
});
