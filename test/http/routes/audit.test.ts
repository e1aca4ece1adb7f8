/** `GET /audit` and `GET /users/{id}/audit` through a real server on both dialects. */
import { expect, it } from "vitest";
import { sweepAuditTrail } from "../../../src/services/audit/audit-log.js";
import { verifyAuditChain } from "../../../src/store/index.js";
import { describeServer } from "../../helpers/routes.js";

describeServer("audit routes", (server) => {
  it("lets an admin page through filtered events with a cursor", async () => {
    const admin = await server.createUser({ isAdmin: true });
    const user = await server.createUser({});
    const asUser = server.client();
    for (let i = 0; i < 3; i += 1) {
      await asUser.request("POST", "/login", { json: { name: user.name, password: "wrong-pw" } });
      server.clock.advance(1_000);
    }
    await asUser.login(user.name, user.password);
    const asAdmin = server.client();
    await asAdmin.login(admin.name, admin.password);

    const first = await asAdmin.request(
      "GET",
      `/audit?user_id=${user.id}&event=login_failed&limit=2`,
    );
    expect(first.status).toBe(200);
    expect(first.body.events).toHaveLength(2);
    expect(first.body.events[0]).toMatchObject({
      event: "login_failed",
      user_id: user.id,
      actor_id: user.id,
    });
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await asAdmin.request(
      "GET",
      `/audit?user_id=${user.id}&event=login_failed&limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.events).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
    const ids = [...first.body.events, ...second.body.events].map((e: { id: number }) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const byActor = await asAdmin.request("GET", `/audit?actor_id=${admin.id}`);
    expect(byActor.body.events.every((e: { actor_id: string }) => e.actor_id === admin.id)).toBe(
      true,
    );
    const now = new Date(server.clock()).toISOString();
    const future = await asAdmin.request(
      "GET",
      `/audit?since=${encodeURIComponent(now)}&user_id=${user.id}`,
    );
    expect(future.body.events.map((e: { event: string }) => e.event)).toEqual(["login_succeeded"]);
    const past = await asAdmin.request(
      "GET",
      `/audit?until=${encodeURIComponent(now)}&user_id=${user.id}&event=login_succeeded`,
    );
    expect(past.body.events).toEqual([]);

    const bad = await asAdmin.request("GET", "/audit?cursor=abc");
    expect(bad.status).toBe(400);
    expect(bad.body.code).toEqual(expect.any(String));
    expect((await asAdmin.request("GET", "/audit?limit=201")).body.code).toBe("validation_error");
    const badDate = await asAdmin.request("GET", "/audit?since=yesterday");
    expect(badDate.status).toBe(400);
  });

  it("shows a user their own activity, and nobody else's", async () => {
    const user = await server.createUser({});
    const other = await server.createUser({});
    const asUser = server.client();
    await asUser.login(user.name, user.password);
    const own = await asUser.request("GET", `/users/${user.id}/audit`);
    expect(own.status).toBe(200);
    expect(own.body.events.map((e: { event: string }) => e.event)).toContain("login_succeeded");
    expect(own.body.events.every((e: { user_id: string }) => e.user_id === user.id)).toBe(true);
    expect((await asUser.request("GET", `/users/${other.id}/audit`)).status).toBe(403);
    expect((await asUser.request("GET", "/audit")).status).toBe(403);
    expect((await server.client().request("GET", "/audit")).status).toBe(401);
  });

  it("sweeps events past the retention behind a checkpoint; the chain still verifies", async () => {
    const user = await server.createUser({});
    await server.client().login(user.name, user.password);
    server.clock.advance(400 * 24 * 3_600_000);
    await server.client().login(user.name, user.password);
    const { deleted } = await sweepAuditTrail(server.tessera.ctx, 365);
    expect(deleted).toBeGreaterThan(0);
    const asUser = server.client();
    await asUser.login(user.name, user.password);
    const left = await asUser.request("GET", `/users/${user.id}/audit`);
    expect(left.body.events.map((e: { event: string }) => e.event)).toEqual([
      "login_succeeded",
      "login_succeeded",
    ]);
    expect(await verifyAuditChain(server.tessera.ctx.db)).toMatchObject({ ok: true });
  });
});
