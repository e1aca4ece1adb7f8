/**
 * Admin controls of issue 11 item 5 through the real server on SQLite and on PostgreSQL:
 * demote (never the last admin, also when two admins demote each other at once), deleting the
 * last admin refused, no password reset on oneself, no client-chosen TOTP secret.
 */
import { expect, it } from "vitest";
import { describeServer } from "../../helpers/routes.js";
import type { TestServer } from "../../helpers/server.js";
import { listAuditEvents } from "../../../src/store/index.js";

async function signedIn(server: TestServer, isAdmin = false) {
  const user = await server.createUser({ isAdmin });
  const client = server.client();
  await client.login(user.name, user.password);
  return { user, client };
}

/** Demotes every admin but `keep` directly in the database, so a test starts from known admins. */
async function onlyAdmins(server: TestServer, keep: string[]): Promise<void> {
  await server.tessera.ctx.db
    .updateTable("users")
    .set({ is_admin: 0 })
    .where("id", "not in", keep)
    .execute();
}

async function adminCount(server: TestServer): Promise<number> {
  const rows = await server.tessera.ctx.db
    .selectFrom("users")
    .select("id")
    .where("is_admin", "=", 1)
    .execute();
  return rows.length;
}

describeServer("admin controls", (server) => {
  it("demotes an admin (admin only), audited; the demoted admin loses admin rights at once", async () => {
    const { client: admin } = await signedIn(server, true);
    const { user: other, client: asOther } = await signedIn(server, true);
    const { user, client: asUser } = await signedIn(server);

    const byUser = await asUser.request("PATCH", `/users/${other.id}/demote`);
    expect(byUser.status).toBe(403);
    expect(byUser.body.code).toBe("permission_denied");
    const missing = await admin.request(
      "PATCH",
      "/users/00000000-0000-4000-8000-000000000000/demote",
    );
    expect(missing.status).toBe(404);

    const demoted = await admin.request("PATCH", `/users/${other.id}/demote`);
    expect(demoted.status).toBe(200);
    expect(demoted.body).toMatchObject({ id: other.id, is_admin: false });
    // The demoted admin's session goes on, without admin rights.
    expect((await asOther.request("GET", "/me")).body.is_admin).toBe(false);
    expect(
      (await asOther.request("POST", `/users/${user.id}/lock`, { json: { reason: "x" } })).status,
    ).toBe(403);
    // Demoting a user who is not an admin changes nothing.
    const again = await admin.request("PATCH", `/users/${user.id}/demote`);
    expect(again.status).toBe(200);
    expect(again.body.is_admin).toBe(false);

    const events = await listAuditEvents(server.tessera.ctx.db, { event: "user_demoted" });
    expect(events.map((e) => e.userId)).toEqual([other.id]);
  });

  it("refuses to demote or delete the last admin with 409 last_admin", async () => {
    const { user: admin, client } = await signedIn(server, true);
    await onlyAdmins(server, [admin.id]);
    const demote = await client.request("PATCH", `/users/${admin.id}/demote`);
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe("last_admin");
    const remove = await client.request("DELETE", `/users/${admin.id}`);
    expect(remove.status).toBe(409);
    expect(remove.body.code).toBe("last_admin");
    expect((await client.request("GET", "/me")).body.is_admin).toBe(true);

    // With a second admin, an admin may step down and delete their own account.
    const second = await server.createUser({ isAdmin: true });
    expect((await client.request("PATCH", `/users/${admin.id}/demote`)).status).toBe(200);
    const asSecond = server.client();
    await asSecond.login(second.name, second.password);
    expect((await asSecond.request("DELETE", `/users/${second.id}`)).status).toBe(409);
    await asSecond.request("PATCH", `/users/${admin.id}/promote`);
    expect((await asSecond.request("DELETE", `/users/${second.id}`)).status).toBe(200);
    expect(await adminCount(server)).toBe(1);
  });

  it("never leaves zero admins when two admins demote each other at the same moment", async () => {
    for (let round = 0; round < 5; round++) {
      const a = await signedIn(server, true);
      const b = await signedIn(server, true);
      await onlyAdmins(server, [a.user.id, b.user.id]);
      const [ab, ba] = await Promise.all([
        a.client.request("PATCH", `/users/${b.user.id}/demote`),
        b.client.request("PATCH", `/users/${a.user.id}/demote`),
      ]);
      const statuses = [ab.status, ba.status].sort();
      // Either one wins and the other meets the last admin (or finds itself no longer an
      // admin: 403), never both.
      expect(statuses[0]).toBe(200);
      expect([403, 409]).toContain(statuses[1]);
      expect(await adminCount(server)).toBe(1);
    }
  });

  it("never leaves zero admins when both admins delete themselves at the same moment", async () => {
    for (let round = 0; round < 3; round++) {
      const a = await signedIn(server, true);
      const b = await signedIn(server, true);
      await onlyAdmins(server, [a.user.id, b.user.id]);
      const answers = await Promise.all([
        a.client.request("DELETE", `/users/${a.user.id}`),
        b.client.request("DELETE", `/users/${b.user.id}`),
      ]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(answers.find((r) => r.status === 409)?.body.code).toBe("last_admin");
      expect(await adminCount(server)).toBe(1);
    }
  });

  it("refuses a password reset on oneself: an admin changes their own with the old one", async () => {
    const { user: admin, client } = await signedIn(server, true);
    const reset = await client.request("PATCH", `/users/${admin.id}/password/reset`, {
      json: { new_password: "a brand new passphrase 7" },
    });
    expect(reset.status).toBe(403);
    expect(reset.body.code).toBe("permission_denied");
    expect(reset.body.detail).toMatch(/password\/change/);
    await server.client().login(admin.name, admin.password);
    const change = await client.request("PATCH", `/users/${admin.id}/password/change`, {
      json: { old_password: admin.password, new_password: "a brand new passphrase 7" },
    });
    expect(change.status).toBe(200);
  });

  it("generates the TOTP secret: a setup naming one is refused with 400", async () => {
    const { user: admin, client } = await signedIn(server, true);
    const user = await server.createUser({});
    const chosen = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    for (const id of [user.id, admin.id]) {
      const refused = await client.request("POST", `/users/${id}/2fa/totp/setup`, {
        json: { secret: chosen },
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: "validation_error", extra: { field: "secret" } });
    }
    const row = await server.tessera.ctx.db
      .selectFrom("users")
      .select("totp_pending_secret")
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(row.totp_pending_secret).toBeNull();
    for (const options of [{}, { json: {} }]) {
      const setup = await client.request("POST", `/users/${user.id}/2fa/totp/setup`, options);
      expect(setup.status, setup.text).toBe(200);
      expect(setup.body.secret).not.toBe(chosen);
      expect(setup.body.otpauth_uri).toContain(`secret=${setup.body.secret}`);
    }
  });
});
