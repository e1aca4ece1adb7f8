/**
 * Sessions through a real listening server (src/http/routes/sessions.ts and the middleware),
 * on SQLite and on PostgreSQL: logout that ends the token, the device list, ending one or the
 * other sessions, idle and absolute expiry with the frozen clock, sliding renewal, the `amr` of
 * every sign-in path, and the seed's tokens.
 */
import { describe, expect, it } from "vitest";
import { createJwt } from "../../../src/core/jwt/index.js";
import { generateTotp } from "../../../src/core/totp.js";
import { listAuditEvents } from "../../../src/store/index.js";
import { describeServer } from "../../helpers/routes.js";
import { TEST_ORIGIN, type TestClient, type TestServer } from "../../helpers/server.js";
import { SoftAuthenticator } from "../../helpers/soft-authenticator.js";

const MINUTE = 60_000;

function tokenOf(client: TestClient): string {
  const token = client.cookies.get("token");
  if (token === undefined) throw new Error("no session cookie");
  return token;
}

/** Status of GET /me with the token in each of the three places a token may travel. */
async function meStatuses(server: TestServer, token: string): Promise<number[]> {
  const anonymous = server.client();
  const ways: Array<Record<string, string>> = [
    { cookie: `token=${token}` },
    { authorization: `Bearer ${token}` },
    { token },
  ];
  const statuses: number[] = [];
  for (const headers of ways) {
    statuses.push((await anonymous.request("GET", "/me", { headers })).status);
  }
  return statuses;
}

function payloadOf(token: string): Record<string, unknown> {
  const [, payload] = token.split(".");
  return JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

async function signedIn(server: TestServer) {
  const user = await server.createUser({});
  const client = server.client();
  await client.login(user.name, user.password);
  return { user, client };
}

describeServer("session routes", (server) => {
  describe("tokens", () => {
    it("carry sid, a unique jti, iat, exp and the user id, and no name or email", async () => {
      const user = await server.createUser({});
      const first = server.client();
      const second = server.client();
      await first.login(user.name, user.password);
      await second.login(user.name, user.password); // same frozen second
      const a = payloadOf(tokenOf(first));
      const b = payloadOf(tokenOf(second));
      expect(Object.keys(a).sort()).toEqual(["exp", "iat", "id", "jti", "sid"]);
      expect(a.id).toBe(user.id);
      expect(a.sid).not.toBe(b.sid);
      expect(a.jti).not.toBe(b.jti);
      expect(tokenOf(first)).not.toBe(tokenOf(second));
      expect(JSON.stringify(a)).not.toContain(user.email);
    });
  });

  describe("POST /logout", () => {
    it("ends the session on the server: the token replayed as cookie, Bearer or header gets 401", async () => {
      const { client } = await signedIn(server);
      const token = tokenOf(client);
      expect(await meStatuses(server, token)).toEqual([200, 200, 200]);
      const out = await client.request("POST", "/logout");
      expect(out.status).toBe(200);
      expect(client.cookies.has("token")).toBe(false);
      expect(await meStatuses(server, token)).toEqual([401, 401, 401]);
    });

    it("ends the session of a Bearer token too", async () => {
      const { client } = await signedIn(server);
      const token = tokenOf(client);
      const out = await server.client().request("POST", "/logout", {
        headers: { authorization: `Bearer ${token}` },
        origin: null,
      });
      expect(out.status).toBe(200);
      expect(await meStatuses(server, token)).toEqual([401, 401, 401]);
    });

    it("leaves no stale yes behind when requests race with the logout (the worst interleaving)", async () => {
      for (let round = 0; round < 5; round++) {
        const { client } = await signedIn(server);
        const token = tokenOf(client);
        const anonymous = server.client();
        const bearer = { headers: { authorization: `Bearer ${token}` } };
        // Requests that fill the cache are in flight while the session ends.
        await Promise.all([
          ...Array.from({ length: 20 }, () => anonymous.request("GET", "/me", bearer)),
          anonymous.request("POST", "/logout", { ...bearer, origin: null }),
          ...Array.from({ length: 20 }, () => anonymous.request("GET", "/me", bearer)),
        ]);
        expect(await meStatuses(server, token)).toEqual([401, 401, 401]);
      }
    });

    it("refuses a cookie-carried logout from another site and the session stays", async () => {
      const { client } = await signedIn(server);
      const forged = await client.request("POST", "/logout", { origin: "https://evil.example" });
      expect(forged.status).toBe(403);
      expect(forged.body.code).toBe("csrf");
      expect((await client.request("GET", "/me")).status).toBe(200);
    });

    it("answers 200 and clears the cookie for a token that is no longer valid", async () => {
      const client = server.client();
      client.cookies.set("token", "not-a-token");
      const out = await client.request("POST", "/logout");
      expect(out.status).toBe(200);
      expect(client.cookies.has("token")).toBe(false);
    });
  });

  describe("the device list and ending sessions", () => {
    it("lists live sessions, this one first then newest first, with device, address and how", async () => {
      const user = await server.createUser({});
      const older = server.client();
      await older.login(user.name, user.password);
      server.clock.advance(1000);
      const newer = server.client();
      await newer.request("POST", "/login", {
        json: { name: user.name, password: user.password },
        headers: {
          "user-agent":
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        },
      });
      const list = await newer.request("GET", `/users/${user.id}/sessions`);
      expect(list.status).toBe(200);
      expect(list.body).toHaveLength(2);
      expect(list.body[0]).toMatchObject({
        id: payloadOf(tokenOf(newer)).sid,
        device: "Chrome on Linux",
        ip: "127.0.0.1",
        amr: ["pwd"],
        current: true,
      });
      expect(list.body[1]).toMatchObject({ id: payloadOf(tokenOf(older)).sid, current: false });
      // The session asking is listed first ("this device"), even when it is not the newest.
      const fromOlder = await older.request("GET", `/users/${user.id}/sessions`);
      expect(fromOlder.body.map((s: { current: boolean }) => s.current)).toEqual([true, false]);
      expect(fromOlder.body[0].id).toBe(payloadOf(tokenOf(older)).sid);
    });

    it("ends one of two sessions and the other still works; another user's session id is 404", async () => {
      const user = await server.createUser({});
      const a = server.client();
      const b = server.client();
      await a.login(user.name, user.password);
      await b.login(user.name, user.password);
      const other = await signedIn(server);
      const otherSid = payloadOf(tokenOf(other.client)).sid as string;
      const probe = await a.request("DELETE", `/users/${user.id}/sessions/${otherSid}`);
      expect(probe.status).toBe(404);
      expect(probe.body.code).toBe("not_found");
      expect((await other.client.request("GET", "/me")).status).toBe(200);

      const sid = payloadOf(tokenOf(b)).sid as string;
      expect((await a.request("DELETE", `/users/${user.id}/sessions/${sid}`)).status).toBe(200);
      expect((await b.request("GET", "/me")).status).toBe(401);
      expect((await a.request("GET", "/me")).status).toBe(200);
      expect((await a.request("DELETE", `/users/${user.id}/sessions/${sid}`)).status).toBe(404);
      const events = await listAuditEvents(server.tessera.ctx.db, { userId: user.id });
      expect(events.map((e) => e.event)).toContain("session_ended");
    });

    it("lets an admin list and end a user's session, but not another admin's", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const adminClient = server.client();
      await adminClient.login(admin.name, admin.password);
      const { user, client } = await signedIn(server);
      const list = await adminClient.request("GET", `/users/${user.id}/sessions`);
      expect(list.body).toHaveLength(1);
      expect(list.body[0].current).toBe(false);
      const ended = await adminClient.request(
        "DELETE",
        `/users/${user.id}/sessions/${list.body[0].id}`,
      );
      expect(ended.status).toBe(200);
      expect((await client.request("GET", "/me")).status).toBe(401);
      const otherAdmin = await server.createUser({ isAdmin: true });
      expect((await adminClient.request("GET", `/users/${otherAdmin.id}/sessions`)).status).toBe(
        403,
      );
      const plain = await signedIn(server);
      expect((await plain.client.request("GET", `/users/${admin.id}/sessions`)).status).toBe(403);
    });

    it("ends every other session with end-others and keeps this one", async () => {
      const user = await server.createUser({});
      const clients = [server.client(), server.client(), server.client()];
      for (const c of clients) await c.login(user.name, user.password);
      const [keep, ...others] = clients as [TestClient, TestClient, TestClient];
      const result = await keep.request("POST", `/users/${user.id}/sessions/end-others`);
      expect(result.body).toEqual({ ok: true, ended: 2 });
      for (const c of others) expect((await c.request("GET", "/me")).status).toBe(401);
      expect((await keep.request("GET", "/me")).status).toBe(200);
      expect((await keep.request("GET", `/users/${user.id}/sessions`)).body).toHaveLength(1);
    });

    it("ends every session with /logout/all", async () => {
      const user = await server.createUser({});
      const a = server.client();
      const b = server.client();
      await a.login(user.name, user.password);
      await b.login(user.name, user.password);
      const token = tokenOf(a);
      const result = await a.request("POST", "/logout/all");
      expect(result.body).toEqual({ ok: true, ended: 2 });
      expect(await meStatuses(server, token)).toEqual([401, 401, 401]);
      expect((await b.request("GET", "/me")).status).toBe(401);
    });

    it("keeps the current session with a renewed token on a password change and ends the others", async () => {
      const user = await server.createUser({});
      const a = server.client();
      const b = server.client();
      await a.login(user.name, user.password);
      await b.login(user.name, user.password);
      const before = tokenOf(a);
      const changed = await a.request("PATCH", `/users/${user.id}/password/change`, {
        json: { old_password: user.password, new_password: "a brand new passphrase 42" },
      });
      expect(changed.status).toBe(200);
      const after = tokenOf(a);
      expect(after).not.toBe(before);
      expect(payloadOf(after).sid).toBe(payloadOf(before).sid);
      expect((await a.request("GET", "/me")).status).toBe(200);
      expect((await b.request("GET", "/me")).status).toBe(401);
    });

    it("ends every session of a user an admin resets or deletes", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const adminClient = server.client();
      await adminClient.login(admin.name, admin.password);
      const first = await signedIn(server);
      const reset = await adminClient.request("PATCH", `/users/${first.user.id}/password/reset`, {
        json: { new_password: "an admin chosen passphrase 7" },
      });
      expect(reset.status).toBe(200);
      expect((await first.client.request("GET", "/me")).status).toBe(401);
      const second = await signedIn(server);
      expect((await adminClient.request("DELETE", `/users/${second.user.id}`)).status).toBe(200);
      expect((await second.client.request("GET", "/me")).status).toBe(401);
    });
  });

  describe("timeouts", () => {
    it("refuses a session idle longer than the idle window, and keeps one used within it", async () => {
      const idle = server.config.sessionIdleMinutes * MINUTE;
      const used = await signedIn(server);
      const unused = await signedIn(server);
      // Used every 0.4 idle windows: alive after 2 windows (with the renewed cookie).
      for (let i = 0; i < 5; i++) {
        server.clock.advance(idle * 0.4);
        expect((await used.client.request("GET", "/me")).status).toBe(200);
      }
      expect((await unused.client.request("GET", "/me")).status).toBe(401);
    });

    it("renews the cookie once less than half of the idle window is left, and not before", async () => {
      const idle = server.config.sessionIdleMinutes * MINUTE;
      const { client } = await signedIn(server);
      const first = tokenOf(client);
      server.clock.advance(idle * 0.4);
      const early = await client.request("GET", "/me");
      expect(early.headers.getSetCookie()).toEqual([]);
      server.clock.advance(idle * 0.2);
      const late = await client.request("GET", "/me");
      expect(late.headers.getSetCookie()).toHaveLength(1);
      const renewed = tokenOf(client);
      expect(renewed).not.toBe(first);
      expect(payloadOf(renewed).sid).toBe(payloadOf(first).sid);
      // A Bearer client gets the renewed token in a header.
      const bearer = await server.client().request("GET", "/me", {
        headers: { authorization: `Bearer ${first}` },
      });
      expect(bearer.headers.get("tessera-token")).toMatch(/^eyJ/);
      // The old token ends at its own exp; the renewed one lives on.
      server.clock.advance(idle * 0.5);
      expect((await meStatuses(server, first))[1]).toBe(401);
      expect((await meStatuses(server, renewed))[1]).toBe(200);
    });
  });

  describe("amr", () => {
    async function currentAmr(client: TestClient, userId: string): Promise<string[]> {
      const list = await client.request("GET", `/users/${userId}/sessions`);
      return list.body.find((s: { current: boolean }) => s.current).amr;
    }

    it("records pwd, pwd + otp, pwd + webauthn and passkey for each sign-in path", async () => {
      const { user, client } = await signedIn(server);
      expect(await currentAmr(client, user.id)).toEqual(["pwd"]);

      const setup = await client.request("POST", `/users/${user.id}/2fa/totp/setup`);
      await client.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
        json: { code: generateTotp(setup.body.secret, { clock: server.clock }) },
      });
      server.clock.advance(30_000);
      const totp = server.client();
      await totp.login(user.name, user.password, {
        two_fa_code: generateTotp(setup.body.secret, { clock: server.clock }),
      });
      expect(await currentAmr(totp, user.id)).toEqual(["pwd", "otp"]);

      const keyed = await signedIn(server);
      const authenticator = new SoftAuthenticator();
      const options = await keyed.client.request(
        "POST",
        `/users/${keyed.user.id}/2fa/webauthn/register/options`,
        { json: {} },
      );
      const stored = await keyed.client.request(
        "POST",
        `/users/${keyed.user.id}/2fa/webauthn/register/verify`,
        {
          json: {
            response: authenticator.createAttestation(options.body, { origin: TEST_ORIGIN }),
            name: "key",
          },
        },
      );
      expect(stored.status).toBe(200);
      const second = server.client();
      const needs = await second.request("POST", "/login", {
        json: { name: keyed.user.name, password: keyed.user.password },
      });
      const assertion = authenticator.createAssertion(needs.body.extra.webauthn_options, {
        origin: TEST_ORIGIN,
      });
      await second.login(keyed.user.name, keyed.user.password, { webauthn_response: assertion });
      expect(await currentAmr(second, keyed.user.id)).toEqual(["pwd", "webauthn"]);

      const passwordless = server.client();
      const begin = await passwordless.request("POST", "/login/passkey/options", { json: {} });
      const ok = await passwordless.request("POST", "/login/passkey", {
        json: {
          webauthn_response: authenticator.createAssertion(begin.body, { origin: TEST_ORIGIN }),
        },
      });
      expect(ok.status).toBe(200);
      expect(await currentAmr(passwordless, keyed.user.id)).toEqual(["passkey"]);
    });
  });

  describe("the seed's tokens (no sid)", () => {
    it("keep working until /logout/all bumps the token version", async () => {
      const user = await server.createUser({});
      const seed = createJwt({ ...user, tokenVersion: user.tokenVersion }, 1, {
        keys: server.config.jwtKeys,
        clock: server.clock,
      });
      expect(await meStatuses(server, seed)).toEqual([200, 200, 200]);
      // Ending every session needs a recent authentication, which a seed token cannot carry:
      // re-authenticating starts a session, whose token (in Tessera-Token) signs out everywhere.
      const refused = await server.client().request("POST", "/logout/all", {
        headers: { authorization: `Bearer ${seed}` },
        origin: null,
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("reauthentication_required");
      const again = await server.client().request("POST", "/reauthenticate", {
        headers: { authorization: `Bearer ${seed}` },
        json: { password: user.password },
        origin: null,
      });
      expect(again.status).toBe(200);
      const renewed = again.headers.get("tessera-token");
      expect(renewed).not.toBeNull();
      const out = await server.client().request("POST", "/logout/all", {
        headers: { authorization: `Bearer ${renewed}` },
        origin: null,
      });
      expect(out.status).toBe(200);
      expect(await meStatuses(server, seed)).toEqual([401, 401, 401]);
    });
  });
});

describeServer(
  "session routes with TESSERA_LEGACY_TOKENS=refuse and TESSERA_TOKEN_CLAIMS=seed",
  (server) => {
    it("refuses a seed token and puts name and email back into new tokens", async () => {
      const user = await server.createUser({});
      const seed = createJwt({ ...user, tokenVersion: user.tokenVersion }, 1, {
        keys: server.config.jwtKeys,
        clock: server.clock,
      });
      expect(await meStatuses(server, seed)).toEqual([401, 401, 401]);
      const client = server.client();
      await client.login(user.name, user.password);
      const claims = payloadOf(tokenOf(client));
      expect(claims).toMatchObject({ id: user.id, name: user.name, email: user.email });
      expect(typeof claims.sid).toBe("string");
    });

    it("refuses a session past its absolute end even while it is used", async () => {
      const { client } = await signedIn(server);
      // Absolute 2 h, idle 60 min: used every 20 min, it ends at 2 h all the same.
      for (let i = 0; i < 5; i++) {
        server.clock.advance(20 * MINUTE);
        expect((await client.request("GET", "/me")).status).toBe(200);
      }
      server.clock.advance(20 * MINUTE);
      expect((await client.request("GET", "/me")).status).toBe(401);
    });
  },
  {
    env: {
      TESSERA_LEGACY_TOKENS: "refuse",
      TESSERA_TOKEN_CLAIMS: "seed",
      TESSERA_JWT_VALIDITY_HOURS: "2",
      TESSERA_SESSION_IDLE_MINUTES: "60",
    },
  },
);
