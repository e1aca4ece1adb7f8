/**
 * Recovery codes (issue 11 item 2) through a real listening server, on SQLite and on
 * PostgreSQL: a set of ten shown once, the count left, a sign-in with a code in place of the
 * second factor (amr `recovery`), renewal ending the old set, `/me` when 2 or fewer are left,
 * and what happens to the codes when the last second factor goes.
 */
import { describe, expect, it } from "vitest";
import { generateTotp } from "../../../src/core/totp.js";
import { listAuditEvents } from "../../../src/store/index.js";
import { registerPasskey } from "../../helpers/passkeys.js";
import {
  enableTotp,
  loginWithCode,
  makeCodes,
  userWithCodes,
} from "../../helpers/recovery-codes.js";
import { describeServer } from "../../helpers/routes.js";

const CODE_SHAPE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/;

describeServer("recovery code routes", (server) => {
  const db = () => server.app.tessera.db;
  const events = (userId: string, event: string) => listAuditEvents(db(), { userId, event });

  describe("a new set", () => {
    it("makes ten distinct grouped codes, says how many are left and never shows them again", async () => {
      const { user, client, codes } = await userWithCodes(server);
      expect(codes).toHaveLength(10);
      for (const code of codes) expect(code).toMatch(CODE_SHAPE);
      expect(new Set(codes).size).toBe(10);
      expect(new Set(codes.map((code) => code.slice(0, 4))).size).toBe(10);

      const status = await client.request("GET", `/users/${user.id}/2fa/recovery-codes`);
      expect(status.status).toBe(200);
      expect(status.body).toEqual({
        remaining: 10,
        total: 10,
        created_at: new Date(server.clock()).toISOString(),
        low: false,
      });
      expect(status.text).not.toContain(codes[0]!.slice(5));
      const me = await client.request("GET", "/me");
      expect(me.body).toMatchObject({ recovery_codes_left: 10, recovery_codes_low: false });
      const [generated] = await events(user.id, "recovery_codes_generated");
      expect(generated?.detail).toEqual({ count: 10, unused_codes_ended: 0 });
      expect(JSON.stringify(generated)).not.toContain(codes[0]!.slice(5));
    });

    it("stores only the index and an Argon2id hash of each secret, with the configured parameters", async () => {
      const { user, codes } = await userWithCodes(server);
      const rows = await db()
        .selectFrom("recovery_codes")
        .selectAll()
        .where("user_id", "=", user.id)
        .execute();
      expect(rows).toHaveLength(10);
      const secrets = codes.map((code) => code.replaceAll("-", "").slice(4));
      for (const row of rows) {
        expect(row.lookup).toMatch(/^[0-9A-Z]{4}$/);
        expect(row.code_hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
        for (const secret of secrets) expect(row.code_hash).not.toContain(secret);
      }
      expect(rows.map((row) => row.lookup).sort()).toEqual(
        codes.map((code) => code.slice(0, 4)).sort(),
      );
    });

    it("ends the previous set: its codes stop working and the count starts again at 10", async () => {
      const { user, client, codes } = await userWithCodes(server);
      expect((await loginWithCode(server, user, codes[0])).status).toBe(200);
      const renewed = await makeCodes(client, user.id);
      expect(renewed.some((code) => codes.includes(code))).toBe(false);
      const old = await loginWithCode(server, user, codes[1]);
      expect(old.status).toBe(400);
      expect(old.body.code).toBe("invalid_two_fa_code");
      expect((await loginWithCode(server, user, renewed[0])).status).toBe(200);
      const status = await client.request("GET", `/users/${user.id}/2fa/recovery-codes`);
      expect(status.body).toMatchObject({ remaining: 9, total: 10 });
      const generated = await events(user.id, "recovery_codes_generated");
      expect(generated[0]?.detail).toEqual({ count: 10, unused_codes_ended: 9 });
    });

    it("asks for a recent authentication to make a new set, not to count them", async () => {
      const { user, client } = await userWithCodes(server);
      server.clock.advance(11 * 60_000); // past TESSERA_REAUTHENTICATION_MINUTES (10)
      const refused = await client.request("POST", `/users/${user.id}/2fa/recovery-codes`);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("reauthentication_required");
      const status = await client.request("GET", `/users/${user.id}/2fa/recovery-codes`);
      expect(status.body).toMatchObject({ remaining: 10 });
      const again = await client.request("POST", "/reauthenticate", {
        json: { password: user.password },
      });
      expect(again.status, again.text).toBe(200);
      expect((await client.request("POST", `/users/${user.id}/2fa/recovery-codes`)).status).toBe(
        200,
      );
    });

    it("lets an admin see how many codes a user has left, but not make any for them", async () => {
      const { user } = await userWithCodes(server);
      const admin = await server.createUser({ isAdmin: true });
      const asAdmin = server.client();
      await asAdmin.login(admin.name, admin.password);
      const status = await asAdmin.request("GET", `/users/${user.id}/2fa/recovery-codes`);
      expect(status.body).toMatchObject({ remaining: 10 });
      const made = await asAdmin.request("POST", `/users/${user.id}/2fa/recovery-codes`);
      expect(made.status).toBe(403);
      expect(made.body.code).toBe("permission_denied");
    });

    it("refuses another user's codes to a user who is not an admin", async () => {
      const { user } = await userWithCodes(server);
      const other = await server.createUser({});
      const client = server.client();
      await client.login(other.name, other.password);
      for (const method of ["GET", "POST"]) {
        const answer = await client.request(method, `/users/${user.id}/2fa/recovery-codes`);
        expect(answer.status).toBe(403);
        expect(answer.body.code).toBe("permission_denied");
      }
    });

    it("works with a passkey as the second factor", async () => {
      const { user, codes } = await userWithCodes(server, "passkey");
      const required = await server.client().request("POST", "/login", {
        json: { name: user.name, password: user.password },
      });
      expect(required.body.extra).toMatchObject({
        webauthn_supported: true,
        totp_supported: false,
        recovery_supported: true,
      });
      expect((await loginWithCode(server, user, codes[3])).status).toBe(200);
    });
  });

  describe("signing in with a code", () => {
    it("offers it in the 403 two_fa_required, accepts a code once and records amr recovery", async () => {
      const { user, codes } = await userWithCodes(server);
      const required = await server.client().request("POST", "/login", {
        json: { name: user.name, password: user.password },
      });
      expect(required.status).toBe(403);
      expect(required.body.extra).toMatchObject({
        totp_supported: true,
        webauthn_supported: false,
        recovery_supported: true,
      });

      const client = server.client();
      const signedIn = await client.request("POST", "/login", {
        json: { name: user.name, password: user.password, recovery_code: codes[0] },
      });
      expect(signedIn.status, signedIn.text).toBe(200);
      const sessions = await client.request("GET", `/users/${user.id}/sessions`);
      const current = sessions.body.find((s: { current: boolean }) => s.current);
      expect(current.amr).toEqual(["pwd", "recovery"]);
      const me = await client.request("GET", "/me");
      expect(me.body).toMatchObject({ recovery_codes_left: 9, recovery_codes_low: false });
      const [used] = await events(user.id, "recovery_code_used");
      expect(used?.detail).toEqual({ remaining: 9 });
    });

    it("works through POST /token too, for API clients", async () => {
      const { user, codes } = await userWithCodes(server);
      const answer = await server.client().request("POST", "/token", {
        json: { name: user.name, password: user.password, recovery_code: codes[0] },
      });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body.token_type).toBe("Bearer");
    });

    it("ignores spaces, dashes and case, and reads O, I and L as 0, 1 and 1", async () => {
      const { user, codes } = await userWithCodes(server);
      const plain = codes[0]!.replaceAll("-", "");
      const spaced = ` ${plain.toLowerCase().split("").join(" ")} `;
      expect((await loginWithCode(server, user, spaced)).status).toBe(200);
      const dashed = codes[1]!.replace(/-/g, " - ");
      expect((await loginWithCode(server, user, dashed)).status).toBe(200);
      const aliased = codes[2]!.replaceAll("0", "O").replaceAll("1", "l");
      expect((await loginWithCode(server, user, aliased)).status).toBe(200);
    });

    it("says on /me when 2 or fewer are left, and no longer offers codes when none are", async () => {
      const { user, client, codes } = await userWithCodes(server);
      for (const code of codes.slice(0, 7)) {
        expect((await loginWithCode(server, user, code)).status).toBe(200);
      }
      expect((await client.request("GET", "/me")).body).toMatchObject({
        recovery_codes_left: 3,
        recovery_codes_low: false,
      });
      expect((await loginWithCode(server, user, codes[7])).status).toBe(200);
      expect((await client.request("GET", "/me")).body).toMatchObject({
        recovery_codes_left: 2,
        recovery_codes_low: true,
      });
      const status = await client.request("GET", `/users/${user.id}/2fa/recovery-codes`);
      expect(status.body).toMatchObject({ remaining: 2, total: 10, low: true });
      for (const code of codes.slice(8)) {
        expect((await loginWithCode(server, user, code)).status).toBe(200);
      }
      expect((await client.request("GET", "/me")).body).toMatchObject({
        recovery_codes_left: 0,
        recovery_codes_low: true,
      });
      server.clock.advance(30_000);
      const required = await server.client().request("POST", "/login", {
        json: { name: user.name, password: user.password },
      });
      expect(required.body.extra.recovery_supported).toBe(false);
    });

    it("leaves /me without a count for a user who never made codes", async () => {
      const user = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      expect((await client.request("GET", "/me")).body).toMatchObject({
        recovery_codes_left: null,
        recovery_codes_low: false,
      });
      const status = await client.request("GET", `/users/${user.id}/2fa/recovery-codes`);
      expect(status.body).toEqual({ remaining: 0, total: 0, created_at: null, low: false });
    });
  });

  describe("when the last second factor goes", () => {
    it("deletes the codes when TOTP is turned off, so turning it on again does not revive them", async () => {
      const { user, client, codes, totpSecret } = await userWithCodes(server);
      server.clock.advance(30_000);
      const off = await client.request("POST", `/users/${user.id}/2fa/totp/disable`, {
        json: { code: generateTotp(totpSecret!, { clock: server.clock }) },
      });
      expect(off.status).toBe(200);
      const status = await client.request("GET", `/users/${user.id}/2fa/recovery-codes`);
      expect(status.body).toMatchObject({ remaining: 0, total: 0 });
      expect((await client.request("GET", "/me")).body.recovery_codes_left).toBeNull();
      const [deleted] = await events(user.id, "recovery_codes_deleted");
      expect(deleted?.detail).toEqual({ by: user.id, deleted: 10, reason: "no_second_factor" });

      // No second factor: the password alone signs in, whatever recovery_code says.
      expect((await loginWithCode(server, user, codes[0])).status).toBe(200);
      server.clock.advance(30_000);
      await enableTotp(server, client, user.id);
      const revived = await loginWithCode(server, user, codes[1]);
      expect(revived.status).toBe(400);
      expect(revived.body.code).toBe("invalid_two_fa_code");
    });

    it("deletes them when an admin turns off a user's only factor", async () => {
      const { user } = await userWithCodes(server);
      const admin = await server.createUser({ isAdmin: true });
      const asAdmin = server.client();
      await asAdmin.login(admin.name, admin.password);
      await asAdmin.request("POST", `/users/${user.id}/2fa/totp/disable`, { json: {} });
      const status = await asAdmin.request("GET", `/users/${user.id}/2fa/recovery-codes`);
      expect(status.body).toMatchObject({ total: 0 });
      const [deleted] = await events(user.id, "recovery_codes_deleted");
      expect(deleted?.detail).toMatchObject({ by: admin.id });
    });

    it("keeps them while another factor is left, deletes them with the last passkey", async () => {
      const { user, client, codes, credentialId } = await userWithCodes(server, "passkey");
      const second = await registerPasskey(client, user.id);
      const removeFirst = await client.request(
        "DELETE",
        `/users/${user.id}/2fa/webauthn/${credentialId}`,
      );
      expect(removeFirst.status).toBe(200);
      const kept = await client.request("GET", `/users/${user.id}/2fa/recovery-codes`);
      expect(kept.body).toMatchObject({ remaining: 10 });
      expect((await loginWithCode(server, user, codes[0])).status).toBe(200);

      await client.request("DELETE", `/users/${user.id}/2fa/webauthn/${second.credentialId}`);
      const gone = await client.request("GET", `/users/${user.id}/2fa/recovery-codes`);
      expect(gone.body).toMatchObject({ remaining: 0, total: 0 });
    });
  });
});
