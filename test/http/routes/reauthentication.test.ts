/**
 * Re-authentication for sensitive actions (issue 11 item 4) through the real server, on SQLite
 * and on PostgreSQL (+ Redis): every route of the table that needs a recent authentication
 * refuses an old one with `reauthentication_required` and the user's methods; `POST
 * /reauthenticate` with the password, a TOTP code or a passkey renews it, throttled and audited.
 */
import { describe, expect, it } from "vitest";
import { createJwt } from "../../../src/core/jwt/index.js";
import { generateTotp } from "../../../src/core/totp.js";
import { ROUTE_POLICIES } from "../../../src/http/route-policy.js";
import { listAuditEvents } from "../../../src/store/index.js";
import { registerPasskey } from "../../helpers/passkeys.js";
import { describeServer } from "../../helpers/routes.js";
import { TEST_ORIGIN, type TestClient, type TestServer } from "../../helpers/server.js";

const MINUTE = 60_000;
/** Just past the default window (10 minutes). */
const PAST_WINDOW_MS = 10 * MINUTE + 1_000;

type CreatedUser = Awaited<ReturnType<TestServer["createUser"]>>;

async function signedIn(
  server: TestServer,
  input: { isAdmin?: boolean } = {},
): Promise<{ user: CreatedUser; client: TestClient }> {
  const user = await server.createUser(input);
  const client = server.client();
  await client.login(user.name, user.password);
  return { user, client };
}

/** Turns TOTP on for a signed-in user (right after sign-in); returns the secret. */
async function enrolTotp(server: TestServer, client: TestClient, userId: string): Promise<string> {
  const setup = await client.request("POST", `/users/${userId}/2fa/totp/setup`, { json: {} });
  expect(setup.status).toBe(200);
  const confirm = await client.request("POST", `/users/${userId}/2fa/totp/confirm`, {
    json: { code: generateTotp(setup.body.secret, { clock: server.clock }) },
  });
  expect(confirm.status).toBe(200);
  return setup.body.secret as string;
}

/** A concrete path of a table row for a user (a made-up passkey id). */
function concrete(url: string, userId: string): string {
  return url.replace(":id", userId).replace(":credential_id", "bm8tc3VjaC1wYXNza2V5");
}

describeServer("re-authentication", (server) => {
  describe("the sensitive routes", () => {
    const sensitive = Object.entries(ROUTE_POLICIES)
      .filter(([, policy]) => policy.recentAuthentication === true)
      .map(([key]) => key.split(" ") as [string, string]);

    it("are the factor changes, new recovery codes, the email change, ending all sessions, making an access token, the admin's application and role changes, linking a sign-in provider and a first password (rename and the password change excepted)", () => {
      expect(sensitive.map(([method, url]) => `${method} ${url}`).sort()).toEqual([
        "DELETE /applications/:client_id",
        "DELETE /roles/:name",
        "DELETE /users/:id/2fa/webauthn/:credential_id",
        "PATCH /roles/:name",
        "PATCH /users/:id/email",
        "POST /applications",
        "POST /applications/:client_id/secret",
        "POST /logout/all",
        "POST /me/linked-sign-ins/:id",
        "POST /roles",
        "POST /users/:id/2fa/recovery-codes",
        "POST /users/:id/2fa/totp/confirm",
        "POST /users/:id/2fa/totp/disable",
        "POST /users/:id/2fa/totp/setup",
        "POST /users/:id/2fa/webauthn/register/options",
        "POST /users/:id/2fa/webauthn/register/verify",
        "POST /users/:id/password/set",
        "POST /users/:id/sessions/end-others",
        "POST /users/:id/tokens",
        "PUT /users/:id/roles",
      ]);
    });

    it.each(sensitive)(
      "%s %s refuses a session whose authentication is older than the window",
      async (method, url) => {
        const { user, client } = await signedIn(server);
        server.clock.advance(PAST_WINDOW_MS);
        const refused = await client.request(method, concrete(url, user.id), { json: {} });
        expect(refused.status).toBe(403);
        expect(refused.body.code).toBe("reauthentication_required");
        expect(refused.body.extra).toEqual({ methods: ["password"], max_age_seconds: 600 });
      },
    );

    it("pass right after sign-in and again after POST /reauthenticate", async () => {
      const { user, client } = await signedIn(server);
      const setup = () => client.request("POST", `/users/${user.id}/2fa/totp/setup`, { json: {} });
      expect((await setup()).status).toBe(200);
      server.clock.advance(10 * MINUTE);
      expect((await setup()).status).toBe(200); // the window's last millisecond still counts
      server.clock.advance(1_000);
      expect((await setup()).body.code).toBe("reauthentication_required");
      const again = await client.request("POST", "/reauthenticate", {
        json: { password: user.password },
      });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({
        auth_time: new Date(server.clock()).toISOString(),
        amr: ["pwd"],
      });
      expect((await setup()).status).toBe(200);
    });

    it("leave renaming a passkey and changing one's own password (the old one counts) alone", async () => {
      const { user, client } = await signedIn(server);
      const { credentialId } = await registerPasskey(client, user.id);
      server.clock.advance(PAST_WINDOW_MS);
      const renamed = await client.request(
        "PATCH",
        `/users/${user.id}/2fa/webauthn/${credentialId}`,
        { json: { name: "renamed" } },
      );
      expect(renamed.status).toBe(200);
      const changed = await client.request("PATCH", `/users/${user.id}/password/change`, {
        json: { old_password: user.password, new_password: "a brand new passphrase 42" },
      });
      expect(changed.status).toBe(200);
    });

    it("ask an admin acting on another user's factors for the admin's own recent authentication", async () => {
      const target = await signedIn(server);
      await enrolTotp(server, target.client, target.user.id);
      const admin = await signedIn(server, { isAdmin: true });
      server.clock.advance(PAST_WINDOW_MS);
      const disable = () =>
        admin.client.request("POST", `/users/${target.user.id}/2fa/totp/disable`, { json: {} });
      const refused = await disable();
      expect(refused.body.code).toBe("reauthentication_required");
      // The methods are the admin's (who has no factor), not the target's.
      expect(refused.body.extra.methods).toEqual(["password"]);
      await admin.client.request("POST", "/reauthenticate", {
        json: { password: admin.user.password },
      });
      expect((await disable()).status).toBe(200);
    });

    it("name the user's methods: the password, TOTP when enrolled, passkeys when registered", async () => {
      const { user, client } = await signedIn(server);
      await enrolTotp(server, client, user.id);
      await registerPasskey(client, user.id);
      server.clock.advance(PAST_WINDOW_MS);
      const refused = await client.request("POST", "/logout/all", { json: {} });
      expect(refused.body.extra.methods).toEqual(["password", "totp", "webauthn"]);
    });
  });

  describe("POST /reauthenticate", () => {
    it("takes a TOTP code once, and adds otp to the session's amr", async () => {
      const { user, client } = await signedIn(server);
      const secret = await enrolTotp(server, client, user.id);
      server.clock.advance(PAST_WINDOW_MS);
      const code = generateTotp(secret, { clock: server.clock });
      const ok = await client.request("POST", "/reauthenticate", { json: { two_fa_code: code } });
      expect(ok.status).toBe(200);
      expect(ok.body.amr).toEqual(["pwd", "otp"]);
      const replay = await client.request("POST", "/reauthenticate", {
        json: { two_fa_code: code },
      });
      expect(replay.status).toBe(400);
      expect(replay.body.code).toBe("invalid_two_fa_code");
      const sessions = await client.request("GET", `/users/${user.id}/sessions`);
      expect(sessions.body[0].amr).toEqual(["pwd", "otp"]);
    });

    it("refuses a TOTP code from a user without TOTP", async () => {
      const { client } = await signedIn(server);
      const refused = await client.request("POST", "/reauthenticate", {
        json: { two_fa_code: "123456" },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe("invalid_two_fa_code");
    });

    it("takes an assertion of one of the user's passkeys over its own challenge", async () => {
      const { user, client } = await signedIn(server);
      const { authenticator } = await registerPasskey(client, user.id);
      server.clock.advance(PAST_WINDOW_MS);
      const options = await client.request("POST", "/reauthenticate/options", { json: {} });
      expect(options.status).toBe(200);
      expect(options.body.allowCredentials).toHaveLength(1);
      const assertion = authenticator.createAssertion(options.body, { origin: TEST_ORIGIN });
      const ok = await client.request("POST", "/reauthenticate", {
        json: { webauthn_response: assertion },
      });
      expect(ok.status).toBe(200);
      expect(ok.body.amr).toEqual(["pwd", "webauthn"]);
      // The challenge is used once.
      const replay = await client.request("POST", "/reauthenticate", {
        json: { webauthn_response: assertion },
      });
      expect(replay.body.code).toBe("webauthn_challenge_invalid");
    });

    it("refuses another user's challenge and another user's passkey", async () => {
      const alice = await signedIn(server);
      const bob = await signedIn(server);
      const alicePasskey = await registerPasskey(alice.client, alice.user.id);
      await registerPasskey(bob.client, bob.user.id);
      // Alice's challenge answered in Bob's session.
      const aliceOptions = await alice.client.request("POST", "/reauthenticate/options", {
        json: {},
      });
      const foreign = await bob.client.request("POST", "/reauthenticate", {
        json: {
          webauthn_response: alicePasskey.authenticator.createAssertion(aliceOptions.body, {
            origin: TEST_ORIGIN,
          }),
        },
      });
      expect(foreign.body.code).toBe("webauthn_challenge_invalid");
      // Bob's challenge signed with Alice's passkey.
      const bobOptions = await bob.client.request("POST", "/reauthenticate/options", {
        json: {},
      });
      const signedByAlice = alicePasskey.authenticator.createAssertion(
        { ...bobOptions.body, allowCredentials: [] },
        { origin: TEST_ORIGIN, credentialId: alicePasskey.credentialId },
      );
      const wrong = await bob.client.request("POST", "/reauthenticate", {
        json: { webauthn_response: signedByAlice },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe("invalid_two_fa_code");
    });

    it("gives no passkey challenge to a user without passkeys", async () => {
      const { client } = await signedIn(server);
      const refused = await client.request("POST", "/reauthenticate/options", { json: {} });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe("client_error");
    });

    it("wants exactly one answer", async () => {
      const { user, client } = await signedIn(server);
      for (const json of [{}, { password: user.password, two_fa_code: "123456" }]) {
        const refused = await client.request("POST", "/reauthenticate", { json });
        expect(refused.status).toBe(400);
        expect(refused.body.code).toBe("validation_error");
      }
    });

    it("counts wrong passwords like failed logins, audits them, and locks out", async () => {
      const { user, client } = await signedIn(server);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const wrong = await client.request("POST", "/reauthenticate", {
          json: { password: "not the password" },
        });
        statuses.push(wrong.status);
        if (wrong.status === 400) expect(wrong.body.code).toBe("invalid_credentials");
      }
      // DEFAULT_ACCOUNT_POLICY: five free failures, then a wait.
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
      // Even the right password waits: the throttle is the login's.
      const locked = await client.request("POST", "/reauthenticate", {
        json: { password: user.password },
      });
      expect(locked.status).toBe(429);
      const events = await listAuditEvents(server.tessera.ctx.db, { userId: user.id });
      expect(events.filter((e) => e.event === "reauthentication_failed")).toHaveLength(5);
      expect(events.filter((e) => e.event === "reauthenticated")).toHaveLength(0);
    });

    it("is audited with the method", async () => {
      const { user, client } = await signedIn(server);
      await client.request("POST", "/reauthenticate", { json: { password: user.password } });
      const events = await listAuditEvents(server.tessera.ctx.db, {
        userId: user.id,
        event: "reauthenticated",
      });
      expect(events).toHaveLength(1);
      expect(events[0]?.detail).toMatchObject({ method: "password" });
    });

    it("starts a session for a seed token (no sid), whose cookie then passes", async () => {
      const user = await server.createUser({});
      const seed = createJwt({ ...user, tokenVersion: user.tokenVersion }, 1, {
        keys: server.config.jwtKeys,
        clock: server.clock,
      });
      const client = server.client();
      client.cookies.set("token", seed);
      const refused = await client.request("POST", `/users/${user.id}/2fa/totp/setup`, {
        json: {},
      });
      expect(refused.body.code).toBe("reauthentication_required");
      const again = await client.request("POST", "/reauthenticate", {
        json: { password: user.password },
      });
      expect(again.status).toBe(200);
      expect(client.cookies.get("token")).not.toBe(seed);
      const setup = await client.request("POST", `/users/${user.id}/2fa/totp/setup`, {
        json: {},
      });
      expect(setup.status).toBe(200);
    });

    it("is open during a forced password change, so signing out everywhere stays possible", async () => {
      const user = await server.createUser({ mustChangePassword: true });
      const client = server.client();
      await client.login(user.name, user.password);
      server.clock.advance(PAST_WINDOW_MS);
      const refused = await client.request("POST", "/logout/all", { json: {} });
      expect(refused.body.code).toBe("reauthentication_required");
      const again = await client.request("POST", "/reauthenticate", {
        json: { password: user.password },
      });
      expect(again.status).toBe(200);
      expect((await client.request("POST", "/logout/all", { json: {} })).status).toBe(200);
    });

    it("needs a signed-in user", async () => {
      const refused = await server.client().request("POST", "/reauthenticate", {
        json: { password: "whatever it is" },
      });
      expect(refused.status).toBe(401);
    });
  });
});

describeServer(
  "re-authentication with TESSERA_REAUTHENTICATION_MINUTES=1",
  (server) => {
    it("uses the configured window", async () => {
      const { user, client } = await signedIn(server);
      server.clock.advance(MINUTE + 1);
      const refused = await client.request("POST", `/users/${user.id}/2fa/totp/setup`, {
        json: {},
      });
      expect(refused.body.code).toBe("reauthentication_required");
      expect(refused.body.extra.max_age_seconds).toBe(60);
    });
  },
  { env: { TESSERA_REAUTHENTICATION_MINUTES: "1" } },
);
