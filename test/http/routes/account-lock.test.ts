/**
 * Account locks (issue 11 item 5) through the real server on SQLite and on PostgreSQL (+ Redis):
 * a lock ends every session and refuses every way of signing in with 403 `account_locked`, but
 * only after the password (or passkey) is verified; it ends by itself at `until` or by an
 * unlock; every refusal of the lock route has its code; a lock racing sign-ins leaves no live
 * session.
 */
import { expect, it } from "vitest";
import { lockAccount } from "../../../src/services/account/account-lock.js";
import { completeLogin } from "../../../src/services/sign-in/login.js";
import {
  authenticateSessionToken,
  issueSessionToken,
} from "../../../src/services/sessions/sessions.js";
import { toPublicUser } from "../../../src/services/users-view.js";
import { getUserById, listAuditEvents, listLiveSessions } from "../../../src/store/index.js";
import { describeServer } from "../../helpers/routes.js";
import { TEST_ORIGIN, type TestClient, type TestServer } from "../../helpers/server.js";
import { SoftAuthenticator } from "../../helpers/soft-authenticator.js";

async function signedIn(server: TestServer, isAdmin = false) {
  const user = await server.createUser({ isAdmin });
  const client = server.client();
  await client.login(user.name, user.password);
  return { user, client };
}

const META = { ip: "192.0.2.1", userAgent: null };

function lock(admin: TestClient, id: string, json: Record<string, unknown>) {
  return admin.request("POST", `/users/${id}/lock`, { json });
}

describeServer("account lock", (server) => {
  const db = () => server.tessera.ctx.db;

  it("ends every session and refuses sign-in with account_locked only after the password", async () => {
    const { client: admin } = await signedIn(server, true);
    const { user, client } = await signedIn(server);
    const api = server.client();
    const token = await api.request("POST", "/token", {
      json: { name: user.name, password: user.password },
    });
    expect(token.status).toBe(200);

    const locked = await lock(admin, user.id, { reason: "phished, ticket 4711" });
    expect(locked.status, locked.text).toBe(200);
    expect(locked.body).toMatchObject({
      id: user.id,
      locked: true,
      locked_until: null,
      lock_reason: "phished, ticket 4711",
    });

    // Every session ended: the cookie and the API client's bearer token.
    expect((await client.request("GET", "/me")).status).toBe(401);
    const bearer = { authorization: `Bearer ${token.body.access_token}` };
    expect((await api.request("GET", "/me", { headers: bearer })).status).toBe(401);
    expect(await listLiveSessions(db(), user.id, server.clock())).toEqual([]);

    // A wrong password says nothing about the lock.
    const wrong = await server.client().request("POST", "/login", {
      json: { name: user.name, password: "not the password" },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe("invalid_credentials");

    for (const path of ["/login", "/token"]) {
      const refused = await server.client().request("POST", path, {
        json: { name: user.name, password: user.password },
      });
      expect(refused.status, path).toBe(403);
      expect(refused.body).toMatchObject({ code: "account_locked", extra: { until: null } });
      // The admin's note stays between admins.
      expect(refused.text).not.toContain("4711");
      expect(refused.headers.get("set-cookie")).toBeNull();
    }

    const listed = (await admin.request("GET", "/users")).body as Record<string, unknown>[];
    expect(listed.find((u) => u.id === user.id)).toMatchObject({
      locked: true,
      lock_reason: "phished, ticket 4711",
    });

    const unlocked = await admin.request("POST", `/users/${user.id}/unlock`, { json: {} });
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toMatchObject({ locked: false, lock_reason: null });
    await server.client().login(user.name, user.password);

    const events = await listAuditEvents(db(), { userId: user.id });
    const names = events.map((e) => e.event);
    expect(names).toContain("user_locked");
    expect(names).toContain("user_unlocked");
    const lockEvent = events.find((e) => e.event === "user_locked");
    expect(lockEvent?.detail).toMatchObject({ until: null, sessions: 2 });
    expect(JSON.stringify(lockEvent?.detail)).not.toContain("4711");
    expect(
      events.find((e) => e.event === "login_failed" && e.detail.reason === "locked"),
    ).toBeDefined();
  });

  it("ends by itself at `until`, with no job", async () => {
    const { client: admin } = await signedIn(server, true);
    const user = await server.createUser({});
    const until = new Date(server.clock() + 3_600_000).toISOString();
    const locked = await lock(admin, user.id, { reason: "holiday", until });
    expect(locked.body).toMatchObject({ locked: true, locked_until: until });
    const refused = await server.client().request("POST", "/login", {
      json: { name: user.name, password: user.password },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "account_locked", extra: { until } });
    expect(refused.body.detail).toContain(until);

    server.clock.advance(3_600_000);
    await server.client().login(user.name, user.password);
    const listed = (await admin.request("GET", "/users")).body as Record<string, unknown>[];
    expect(listed.find((u) => u.id === user.id)).toMatchObject({
      locked: false,
      locked_until: null,
      lock_reason: null,
    });
  });

  it("refuses passwordless passkey sign-in of a locked account", async () => {
    const { client: admin } = await signedIn(server, true);
    const { user, client } = await signedIn(server);
    const authenticator = new SoftAuthenticator();
    const options = await client.request(
      "POST",
      `/users/${user.id}/2fa/webauthn/register/options`,
      {
        json: {},
      },
    );
    const response = authenticator.createAttestation(options.body, { origin: TEST_ORIGIN });
    const stored = await client.request("POST", `/users/${user.id}/2fa/webauthn/register/verify`, {
      json: { response, name: "key" },
    });
    expect(stored.status).toBe(200);
    expect((await lock(admin, user.id, { reason: "stolen laptop" })).status).toBe(200);

    const passkeyClient = server.client();
    const request = await passkeyClient.request("POST", "/login/passkey/options", { json: {} });
    const assertion = authenticator.createAssertion(request.body, { origin: TEST_ORIGIN });
    const refused = await passkeyClient.request("POST", "/login/passkey", {
      json: { webauthn_response: assertion },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("account_locked");
    expect(passkeyClient.cookies.has("token")).toBe(false);

    // With the password, the lock is said before any second factor is asked.
    const withPassword = await server.client().request("POST", "/login", {
      json: { name: user.name, password: user.password },
    });
    expect(withPassword.status).toBe(403);
    expect(withPassword.body.code).toBe("account_locked");
  });

  it("answers every refusal of lock and unlock with its code", async () => {
    const { user: adminUser, client: admin } = await signedIn(server, true);
    const otherAdmin = await server.createUser({ isAdmin: true });
    const { user, client: asUser } = await signedIn(server);
    const target = await server.createUser({});

    const byUser = await lock(asUser, target.id, { reason: "x" });
    expect(byUser.status).toBe(403);
    expect(byUser.body.code).toBe("permission_denied");
    expect((await asUser.request("POST", `/users/${target.id}/unlock`, { json: {} })).status).toBe(
      403,
    );
    const self = await lock(admin, adminUser.id, { reason: "x" });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe("permission_denied");
    const onAdmin = await lock(admin, otherAdmin.id, { reason: "x" });
    expect(onAdmin.status).toBe(403);
    expect(onAdmin.body.code).toBe("permission_denied");

    for (const json of [
      {},
      { reason: "" },
      { reason: "   " },
      { reason: "x".repeat(501) },
      { reason: "x", until: "tomorrow" },
      { reason: "x", until: new Date(server.clock() - 1000).toISOString() },
      { reason: "x", until: new Date(server.clock()).toISOString() },
    ]) {
      const refused = await lock(admin, target.id, json);
      expect(refused.status, JSON.stringify(json)).toBe(400);
      expect(refused.body.code).toBe("validation_error");
    }
    expect((await lock(admin, target.id, { reason: "x".repeat(500) })).status).toBe(200);
    const missing = await lock(admin, "00000000-0000-4000-8000-000000000000", { reason: "x" });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("not_found");
    // The user who was refused is still signed in: nothing happened to them.
    expect((await asUser.request("GET", "/me")).body.id).toBe(user.id);
  });

  it("leaves no live session when a lock races sign-ins", async () => {
    const { client: admin } = await signedIn(server, true);
    for (let round = 0; round < 3; round++) {
      const user = await server.createUser({});
      const clients = Array.from({ length: 4 }, () => server.client());
      const attempts = clients.map((client) =>
        client.request("POST", "/login", { json: { name: user.name, password: user.password } }),
      );
      const [locked, ...answers] = await Promise.all([
        lock(admin, user.id, { reason: `race ${round}` }),
        ...attempts,
      ]);
      expect(locked.status).toBe(200);
      for (const answer of answers) {
        // Parallel attempts may also meet the failure throttle (counted in advance) or the
        // bounded hashing queue; what matters is that none leaves a session behind.
        expect([200, 403, 429, 503]).toContain(answer.status);
        if (answer.status === 403) expect(answer.body.code).toBe("account_locked");
      }
      expect(await listLiveSessions(db(), user.id, server.clock())).toEqual([]);
      for (const client of clients) {
        expect((await client.request("GET", "/me")).status).toBe(401);
      }
    }
  });

  it("leaves no 'signed in' event for a sign-in refused by a lock committed after its check", async () => {
    const ctx = server.tessera.ctx;
    const admin = toPublicUser(await server.createUser({ isAdmin: true }));
    const user = await server.createUser({});
    const attempt = { accountKey: user.id, address: META.ip };
    const reservation = await ctx.throttle.reserveLoginAttempt(attempt);
    // The lock commits between the sign-in's lock check and its session: recording the success
    // is the step in between, so the lock is taken there.
    const racing = {
      ...ctx,
      throttle: {
        ...ctx.throttle,
        recordLoginSuccess: async (input: typeof attempt) => {
          await lockAccount(ctx, admin, user.id, { reason: "race", until: null }, META);
          await ctx.throttle.recordLoginSuccess(input);
        },
      },
    };
    await expect(
      completeLogin(racing, user, META, { reservation, method: "password" }),
    ).rejects.toMatchObject({ code: "account_locked" });
    expect(await listLiveSessions(db(), user.id, server.clock())).toEqual([]);
    const events = await listAuditEvents(db(), { userId: user.id });
    expect(events.map((e) => e.event)).toContain("user_locked");
    expect(events.map((e) => e.event)).not.toContain("login_succeeded");
    expect(events.find((e) => e.event === "login_failed")?.detail).toEqual({ reason: "locked" });
    const fresh = await getUserById(db(), user.id);
    expect(fresh?.lastLoginAt).toBeNull();
  });

  it("issues no session that outlives a lock committed while sessions are being issued", async () => {
    const ctx = server.tessera.ctx;
    const admin = await server.createUser({ isAdmin: true });
    const actor = toPublicUser(admin);
    for (let round = 0; round < 5; round++) {
      const user = await server.createUser({});
      const issue = () => issueSessionToken(ctx, user, { amr: ["pwd"] });
      const results = await Promise.allSettled([
        ...Array.from({ length: 8 }, issue),
        lockAccount(ctx, actor, user.id, { reason: "race", until: null }, META),
        ...Array.from({ length: 8 }, issue),
      ]);
      for (const result of results) {
        if (result.status === "rejected") {
          expect((result.reason as { code?: string }).code).toBe("account_locked");
        }
      }
      expect(results[8]?.status).toBe("fulfilled");
      expect(await listLiveSessions(db(), user.id, server.clock())).toEqual([]);
      for (const result of results.slice(0, 8)) {
        if (result.status !== "fulfilled" || !("token" in result.value)) continue;
        await expect(authenticateSessionToken(ctx, result.value.token)).rejects.toMatchObject({
          code: "not_authorized",
        });
      }
    }
  });
});
