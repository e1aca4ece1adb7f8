/**
 * Personal access tokens through a real listening server (issue 23 items 1 and 3), on SQLite
 * and PostgreSQL: making one (self only, recent authentication, scopes the user holds), the
 * list without the secret, revoking by the user and by an admin, expiry, a lock and an admin's
 * password reset revoking them and the user's own change keeping them, a demoted admin's token
 * losing the admin scopes at once, and the per-token request limit.
 */
import { describe, expect, it } from "vitest";
import { PERSONAL_TOKEN_PREFIX } from "../../../src/contract/index.js";
import { isWellFormedPersonalToken } from "../../../src/core/personal-token.js";
import { createPersonalTokenAuthenticator } from "../../../src/services/personal-tokens/authenticate.js";
import { endUserSessions } from "../../../src/services/sessions/ending.js";
import { listAuditEvents } from "../../../src/store/index.js";
import { describeServer } from "../../helpers/routes.js";
import type { TestClient, TestServer } from "../../helpers/server.js";
import { replaceEnd } from "../../helpers/tamper.js";

const DAY_MS = 86_400_000;
const INTROSPECTION_SECRET = "introspection-secret-0123456789-abcdef";

async function signedIn(server: TestServer, isAdmin = false) {
  const user = await server.createUser({ isAdmin });
  const client = server.client();
  await client.login(user.name, user.password);
  return { user, client };
}

async function makeToken(
  client: TestClient,
  userId: string,
  body: Record<string, unknown> = { name: "ci", scopes: ["profile:read"] },
): Promise<{ id: string; token: string; expires_at: string; created_at: string }> {
  const response = await client.request("POST", `/users/${userId}/tokens`, { json: body });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

function bearer(server: TestServer, token: string) {
  const anonymous = server.client();
  return (method: string, path: string, json?: unknown) =>
    anonymous.request(method, path, {
      headers: { authorization: `Bearer ${token}` },
      ...(json === undefined ? {} : { json }),
      origin: null,
    });
}

describeServer(
  "personal access tokens",
  (server) => {
    describe("making one", () => {
      it("answers 201 with the token once, in the documented format, and lists it without it", async () => {
        const { user, client } = await signedIn(server);
        const created = await makeToken(client, user.id, {
          name: "deploy script",
          scopes: ["profile:read", "sessions:read"],
        });
        expect(created.token.startsWith(PERSONAL_TOKEN_PREFIX)).toBe(true);
        expect(created.token).toHaveLength(57);
        expect(isWellFormedPersonalToken(created.token)).toBe(true);
        expect(
          new Date(created.expires_at).getTime() - new Date(created.created_at).getTime(),
        ).toBe(90 * DAY_MS);
        const list = await client.request("GET", `/users/${user.id}/tokens`);
        expect(list.status).toBe(200);
        expect(list.body).toEqual([
          {
            id: created.id,
            name: "deploy script",
            scopes: ["profile:read", "sessions:read"],
            created_at: created.created_at,
            expires_at: created.expires_at,
            last_used_at: null,
            last_used_address: null,
          },
        ]);
        expect(list.text).not.toContain(created.token);
        const [event] = await listAuditEvents(server.tessera.ctx.db, {
          event: "personal_token_created",
          userId: user.id,
        });
        expect(event?.detail).toMatchObject({
          token: created.id,
          scopes: ["profile:read", "sessions:read"],
        });
        expect(JSON.stringify(event)).not.toContain(created.token);
      });

      it("refuses a scope the user does not hold, and a lifetime over the maximum", async () => {
        const { user, client } = await signedIn(server);
        const admin = await client.request("POST", `/users/${user.id}/tokens`, {
          json: { name: "x", scopes: ["profile:read", "users:write"] },
        });
        expect(admin.status).toBe(400);
        expect(admin.body).toMatchObject({
          code: "invalid_scope",
          extra: { scopes: ["users:write"] },
        });
        const long = await client.request("POST", `/users/${user.id}/tokens`, {
          json: { name: "x", scopes: ["profile:read"], expires_in_days: 366 },
        });
        expect(long.status).toBe(400);
        expect(long.body.code).toBe("validation_error");
        const year = await makeToken(client, user.id, {
          name: "x",
          scopes: ["profile:read"],
          expires_in_days: 365,
        });
        expect(new Date(year.expires_at).getTime() - new Date(year.created_at).getTime()).toBe(
          365 * DAY_MS,
        );
      });

      it("is for the user themself: an admin cannot make one for someone else", async () => {
        const { client: admin } = await signedIn(server, true);
        const { user } = await signedIn(server);
        const response = await admin.request("POST", `/users/${user.id}/tokens`, {
          json: { name: "x", scopes: ["profile:read"] },
        });
        expect(response.status).toBe(403);
      });

      it("needs a recent authentication", async () => {
        const { user, client } = await signedIn(server);
        const start = server.clock();
        server.clock.advance(11 * 60_000);
        try {
          const response = await client.request("POST", `/users/${user.id}/tokens`, {
            json: { name: "x", scopes: ["profile:read"] },
          });
          expect(response.status).toBe(403);
          expect(response.body.code).toBe("reauthentication_required");
        } finally {
          server.clock.set(start);
        }
      });
    });

    describe("using one", () => {
      it("reads /me with profile:read, and records the last use", async () => {
        const { user, client } = await signedIn(server);
        const { token } = await makeToken(client, user.id);
        const call = bearer(server, token);
        const me = await call("GET", "/me");
        expect(me.status, me.text).toBe(200);
        expect(me.body.id).toBe(user.id);
        const [listed] = (await client.request("GET", `/users/${user.id}/tokens`)).body;
        expect(listed.last_used_at).toBe(new Date(server.clock()).toISOString());
        expect(listed.last_used_address).toBe("127.0.0.1");
        const [used] = await listAuditEvents(server.tessera.ctx.db, {
          event: "personal_token_used_from_new_address",
          userId: user.id,
        });
        expect(used?.ip).toBe("127.0.0.1");
      });

      it("answers 403 insufficient_scope with the RFC 6750 challenge outside its scopes", async () => {
        const { user, client } = await signedIn(server);
        const { token } = await makeToken(client, user.id);
        const sessions = await bearer(server, token)("GET", `/users/${user.id}/sessions`);
        expect(sessions.status).toBe(403);
        expect(sessions.body.code).toBe("insufficient_scope");
        expect(sessions.headers.get("www-authenticate")).toBe(
          'Bearer error="insufficient_scope", error_description="This access token lacks the scope sessions:read", scope="sessions:read"',
        );
      });

      it("cannot make a token, nor revoke one", async () => {
        const { user, client } = await signedIn(server);
        const { id, token } = await makeToken(client, user.id);
        const call = bearer(server, token);
        const make = await call("POST", `/users/${user.id}/tokens`, {
          name: "y",
          scopes: ["profile:read"],
        });
        expect(make.status).toBe(403);
        expect(make.body.code).toBe("insufficient_scope");
        expect(make.headers.get("www-authenticate")).toMatch(/^Bearer error="insufficient_scope"/);
        const revoke = await call("DELETE", `/users/${user.id}/tokens/${id}`);
        expect(revoke.status).toBe(403);
        expect((await client.request("GET", `/users/${user.id}/tokens`)).body).toHaveLength(1);
      });

      it("is refused once expired", async () => {
        const { user, client } = await signedIn(server);
        const { token } = await makeToken(client, user.id, {
          name: "short",
          scopes: ["profile:read"],
          expires_in_days: 1,
        });
        const start = server.clock();
        try {
          server.clock.advance(DAY_MS - 1_000);
          expect((await bearer(server, token)("GET", "/me")).status).toBe(200);
          server.clock.advance(1_000);
          expect((await bearer(server, token)("GET", "/me")).status).toBe(401);
        } finally {
          server.clock.set(start);
        }
      });

      it("is refused when malformed, mistyped or unknown, with the one generic 401", async () => {
        const { user, client } = await signedIn(server);
        const { token } = await makeToken(client, user.id);
        for (const bad of [replaceEnd(token), token.slice(0, -1), `${token}x`]) {
          const response = await bearer(server, bad)("GET", "/me");
          expect(response.status).toBe(401);
          expect(response.body.code).toBe("not_authorized");
        }
      });

      it("is a Bearer credential only: not a cookie nor the legacy header", async () => {
        const { user, client } = await signedIn(server);
        const { token } = await makeToken(client, user.id);
        const anonymous = server.client();
        expect((await anonymous.request("GET", "/me", { headers: { token } })).status).toBe(401);
        expect(
          (await anonymous.request("GET", "/me", { headers: { cookie: `token=${token}` } })).status,
        ).toBe(401);
      });

      it("is limited per token (429 with Retry-After)", async () => {
        const { user, client } = await signedIn(server);
        const { token } = await makeToken(client, user.id);
        const ctx = server.tessera.ctx;
        const check = createPersonalTokenAuthenticator({
          ...ctx,
          settings: { ...ctx.settings, accessTokenRequestsPerMinute: 2 },
        });
        const meta = { ip: "192.0.2.1", userAgent: null };
        await check(token, meta);
        await check(token, meta);
        await expect(check(token, meta)).rejects.toMatchObject({ code: "too_many_requests" });
        const start = server.clock();
        try {
          server.clock.advance(60_000);
          await expect(check(token, meta)).resolves.toMatchObject({ user: { id: user.id } });
        } finally {
          server.clock.set(start);
        }
      });
    });

    describe("revocation", () => {
      it("by the user: refused at once, gone from the list, audited", async () => {
        const { user, client } = await signedIn(server);
        const { id, token } = await makeToken(client, user.id);
        expect((await bearer(server, token)("GET", "/me")).status).toBe(200);
        const revoked = await client.request("DELETE", `/users/${user.id}/tokens/${id}`);
        expect(revoked.status).toBe(200);
        expect((await bearer(server, token)("GET", "/me")).status).toBe(401);
        expect((await client.request("GET", `/users/${user.id}/tokens`)).body).toEqual([]);
        expect((await client.request("DELETE", `/users/${user.id}/tokens/${id}`)).status).toBe(404);
        const [event] = await listAuditEvents(server.tessera.ctx.db, {
          event: "personal_token_revoked",
          userId: user.id,
        });
        expect(event?.detail).toMatchObject({ token: id, reason: "revoked_by_user" });
      });

      it("by an admin, who lists another user's tokens; another user may not", async () => {
        const { client: admin, user: adminUser } = await signedIn(server, true);
        const { user, client } = await signedIn(server);
        const { client: stranger } = await signedIn(server);
        const { id, token } = await makeToken(client, user.id);
        expect((await stranger.request("GET", `/users/${user.id}/tokens`)).status).toBe(403);
        expect((await stranger.request("DELETE", `/users/${user.id}/tokens/${id}`)).status).toBe(
          403,
        );
        const listed = await admin.request("GET", `/users/${user.id}/tokens`);
        expect(listed.body.map((t: { id: string }) => t.id)).toEqual([id]);
        expect((await admin.request("DELETE", `/users/${user.id}/tokens/${id}`)).status).toBe(200);
        expect((await bearer(server, token)("GET", "/me")).status).toBe(401);
        const [event] = await listAuditEvents(server.tessera.ctx.db, {
          event: "personal_token_revoked",
          userId: user.id,
        });
        expect(event?.detail).toMatchObject({ by: adminUser.id, reason: "revoked_by_admin" });
      });

      it("by a lock", async () => {
        const { client: admin } = await signedIn(server, true);
        const { user, client } = await signedIn(server);
        const { token } = await makeToken(client, user.id);
        expect((await bearer(server, token)("GET", "/me")).status).toBe(200);
        const lock = await admin.request("POST", `/users/${user.id}/lock`, {
          json: { reason: "left the company" },
        });
        expect(lock.status, lock.text).toBe(200);
        expect((await bearer(server, token)("GET", "/me")).status).toBe(401);
        await admin.request("POST", `/users/${user.id}/unlock`);
        expect((await bearer(server, token)("GET", "/me")).status).toBe(401);
        expect((await admin.request("GET", `/users/${user.id}/tokens`)).body).toEqual([]);
      });

      it("by an admin's password reset, not by the user's own password change", async () => {
        const { client: admin } = await signedIn(server, true);
        const { user, client } = await signedIn(server);
        const { token } = await makeToken(client, user.id);
        const changed = await client.request("PATCH", `/users/${user.id}/password/change`, {
          json: { old_password: user.password, new_password: "another long passphrase 42" },
        });
        expect(changed.status, changed.text).toBe(200);
        expect((await bearer(server, token)("GET", "/me")).status).toBe(200);
        const reset = await admin.request("PATCH", `/users/${user.id}/password/reset`, {
          json: { new_password: "a third long passphrase 43" },
        });
        expect(reset.status, reset.text).toBe(200);
        expect((await bearer(server, token)("GET", "/me")).status).toBe(401);
      });

      it("by “This wasn't me” and a reset link (the reasons that end sessions with them)", async () => {
        for (const reason of ["not_me", "password_reset"] as const) {
          const { user, client } = await signedIn(server);
          const { token } = await makeToken(client, user.id);
          expect((await bearer(server, token)("GET", "/me")).status).toBe(200);
          await endUserSessions(server.tessera.ctx, user.id, reason);
          expect((await bearer(server, token)("GET", "/me")).status, reason).toBe(401);
          const [event] = await listAuditEvents(server.tessera.ctx.db, {
            event: "personal_tokens_revoked",
            userId: user.id,
          });
          expect(event?.detail).toEqual({ reason, revoked: 1 });
        }
      });

      it("by the user's deletion", async () => {
        const { client: admin } = await signedIn(server, true);
        const { user, client } = await signedIn(server);
        const { token } = await makeToken(client, user.id);
        expect((await bearer(server, token)("GET", "/me")).status).toBe(200);
        expect((await admin.request("DELETE", `/users/${user.id}`)).status).toBe(200);
        expect((await bearer(server, token)("GET", "/me")).status).toBe(401);
      });
    });

    it("is active at POST /token/introspect with its effective scopes, inactive once revoked", async () => {
      const { user, client } = await signedIn(server);
      const { id, token, created_at, expires_at } = await makeToken(client, user.id, {
        name: "svc",
        scopes: ["profile:read", "sessions:read"],
      });
      const introspect = (value: string) =>
        server.client().request("POST", "/token/introspect", {
          headers: { authorization: `Bearer ${INTROSPECTION_SECRET}` },
          json: { token: value },
          origin: null,
        });
      const active = await introspect(token);
      expect(active.status).toBe(200);
      expect(active.body).toEqual({
        active: true,
        sub: user.id,
        scope: "profile:read sessions:read",
        iat: Math.floor(new Date(created_at).getTime() / 1000),
        exp: Math.floor(new Date(expires_at).getTime() / 1000),
        token_type: "Bearer",
        token_use: "personal",
      });
      expect((await introspect(replaceEnd(token))).body).toEqual({ active: false });
      await client.request("DELETE", `/users/${user.id}/tokens/${id}`);
      expect((await introspect(token)).body).toEqual({ active: false });
    });

    it("never grants more than the user holds now: a demoted admin's token loses users:read at once", async () => {
      const { client: first } = await signedIn(server, true);
      const { user, client } = await signedIn(server, true);
      const { token } = await makeToken(client, user.id, {
        name: "admin script",
        scopes: ["profile:read", "users:read"],
      });
      expect((await bearer(server, token)("GET", "/users")).status).toBe(200);
      const demote = await first.request("PATCH", `/users/${user.id}/demote`);
      expect(demote.status, demote.text).toBe(200);
      const refused = await bearer(server, token)("GET", "/users");
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("insufficient_scope");
      expect((await bearer(server, token)("GET", "/me")).status).toBe(200);
    });
  },
  { env: { TESSERA_INTROSPECTION_SECRET: INTROSPECTION_SECRET } },
);
