/**
 * Passkey-first accounts (issue 24 item 2) through a real listening server and a real SMTP
 * server in the test process, on SQLite and PostgreSQL: an invitation and a sign-up finished
 * with a passkey (the link still required), and everything that assumed a password on such an
 * account: password sign-in, re-authentication, password change and first password, recovery
 * codes, the reset link and the admin's reset.
 */
import { afterAll, expect, it } from "vitest";
import { MINUTE_MS } from "../../../src/core/clock.js";
import { listAuditEvents } from "../../../src/store/index.js";
import { mailTo, tokenFrom } from "../../helpers/mail-links.js";
import { startPasskeyRegistration } from "../../helpers/passkeys.js";
import { describeServer } from "../../helpers/routes.js";
import { TEST_ORIGIN, type TestClient, type TestServer } from "../../helpers/server.js";
import { startTestSmtpServer } from "../../helpers/smtp.js";
import { SoftAuthenticator } from "../../helpers/soft-authenticator.js";

const smtp = await startTestSmtpServer();
afterAll(() => smtp.close());

const PASSWORD = "a long chosen passphrase 24";
/** Past the default re-authentication window (10 minutes). */
const PAST_WINDOW_MS = 10 * MINUTE_MS + 1_000;
let counter = 0;

function fresh(prefix: string): { name: string; email: string } {
  counter += 1;
  const id = `${prefix}${counter}-${Math.random().toString(36).slice(2, 8)}`;
  return { name: id, email: `${id}@example.org` };
}

/** An admin invites a fresh person; the admin's client, the person and the link's token. */
async function invite(server: TestServer) {
  const person = fresh("invitee");
  const admin = await server.createUser({ isAdmin: true });
  const client = server.client();
  await client.login(admin.name, admin.password);
  const created = await client.request("POST", "/users/create", {
    json: { ...person, invite: true },
  });
  expect(created.status).toBe(201);
  const mail = await mailTo(smtp, person.email, "You are invited");
  return {
    admin: client,
    person,
    id: created.body.id as string,
    token: tokenFrom(mail, "/invitation"),
  };
}

/** Begin and finish of a passkey-first ceremony at `path`; the finish's answer. */
async function finishWithPasskey(
  client: TestClient,
  path: string,
  token: string,
  authenticator = new SoftAuthenticator(),
) {
  const options = await client.request("POST", `${path}/options`, { json: { token } });
  expect(options.status, options.text).toBe(200);
  expect(options.body.authenticatorSelection).toMatchObject({
    residentKey: "required",
    userVerification: "required",
  });
  const response = authenticator.createAttestation(options.body, { origin: TEST_ORIGIN });
  const finished = await client.request("POST", path, {
    json: { token, webauthn_response: response, passkey_name: "Laptop" },
  });
  return { finished, authenticator };
}

/** An invited person who finished with a passkey: signed in, no password. */
async function passkeyFirstAccount(server: TestServer) {
  const invitation = await invite(server);
  const browser = server.client();
  const { finished, authenticator } = await finishWithPasskey(
    browser,
    "/invitations/passkey",
    invitation.token,
  );
  expect(finished.status, finished.text).toBe(200);
  return { ...invitation, browser, authenticator };
}

/** Signs `client` in passwordless with the authenticator's passkey. */
async function passkeySignIn(client: TestClient, authenticator: SoftAuthenticator) {
  const options = await client.request("POST", "/login/passkey/options", { json: {} });
  const assertion = authenticator.createAssertion(options.body, { origin: TEST_ORIGIN });
  return client.request("POST", "/login/passkey", { json: { webauthn_response: assertion } });
}

describeServer(
  "passkey-first accounts",
  (server) => {
    it("accepts an invitation with a passkey: no password, address verified, signed in", async () => {
      const { admin, person, id, token, browser, authenticator } =
        await passkeyFirstAccount(server);
      const me = await browser.request("GET", "/me");
      expect(me.body).toMatchObject({
        id,
        name: person.name,
        email_verified: true,
        has_password: false,
      });
      const passkeys = await browser.request("GET", `/users/${id}/2fa/webauthn`);
      expect(passkeys.body.map((p: { name: string }) => p.name)).toEqual(["Laptop"]);
      // The link is spent, for a password as for a second passkey.
      const again = await browser.request("POST", "/invitations/accept", {
        json: { token, new_password: PASSWORD },
      });
      expect(again.body.code).toBe("invalid_email_token");
      const options = await browser.request("POST", "/invitations/passkey/options", {
        json: { token },
      });
      expect(options.body.code).toBe("invalid_email_token");
      const listed = (await admin.request("GET", "/users")).body as Record<string, unknown>[];
      expect(listed.find((u) => u.id === id)).toMatchObject({ invitation_pending: false });
      // Signs in with the passkey alone.
      const later = server.client();
      expect((await passkeySignIn(later, authenticator)).status).toBe(200);
      const events = await listAuditEvents(server.app.tessera.db, {
        userId: id,
        event: "invitation_accepted",
      });
      expect(events.map((e) => e.detail)).toEqual([{ method: "passkey" }]);
    });

    it("needs a live invitation token at both steps", async () => {
      const { token } = await invite(server);
      const client = server.client();
      const bogus = "x".repeat(43);
      const options = await client.request("POST", "/invitations/passkey/options", {
        json: { token: bogus },
      });
      expect(options.status).toBe(400);
      expect(options.body.code).toBe("invalid_email_token");
      // Options for the real link, answered, then sent with another token: refused, link unused.
      const real = await client.request("POST", "/invitations/passkey/options", {
        json: { token },
      });
      const response = new SoftAuthenticator().createAttestation(real.body, {
        origin: TEST_ORIGIN,
      });
      const wrong = await client.request("POST", "/invitations/passkey", {
        json: { token: bogus, webauthn_response: response },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe("invalid_email_token");
      expect(client.cookies.has("token")).toBe(false);
      // A sign-up's passkey options do not finish an invitation (another challenge purpose).
      const check = await client.request("POST", "/invitations/check", { json: { token } });
      expect(check.status).toBe(200);
    });

    it("lets one of two concurrent passkey finishes of one link win", async () => {
      const { token } = await invite(server);
      const answers = await Promise.all(
        [1, 2, 3].map(async () => {
          const client = server.client();
          const options = await client.request("POST", "/invitations/passkey/options", {
            json: { token },
          });
          const response = new SoftAuthenticator().createAttestation(options.body, {
            origin: TEST_ORIGIN,
          });
          return client.request("POST", "/invitations/passkey", {
            json: { token, webauthn_response: response },
          });
        }),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400]);
    });

    it("refuses a password sign-in exactly like a wrong password", async () => {
      const { person, id } = await passkeyFirstAccount(server);
      const other = await server.createUser({});
      const client = server.client();
      const none = await client.request("POST", "/login", {
        json: { name: person.name, password: PASSWORD },
      });
      const wrong = await client.request("POST", "/login", {
        json: { name: other.name, password: PASSWORD },
      });
      const unknown = await client.request("POST", "/login", {
        json: { name: "nobody-here", password: PASSWORD },
      });
      expect(none.status).toBe(400);
      expect(none.body).toEqual(wrong.body);
      expect(none.body).toEqual(unknown.body);
      expect(none.body.code).toBe("invalid_credentials");
      // Audited as any wrong password: nothing tells the account apart.
      const failed = await listAuditEvents(server.app.tessera.db, {
        userId: id,
        event: "login_failed",
      });
      expect(failed.map((e) => e.detail)).toEqual([{ reason: "password" }]);
    });

    it("re-authenticates with the passkey only, and says so", async () => {
      const { id, browser, authenticator } = await passkeyFirstAccount(server);
      server.clock.advance(PAST_WINDOW_MS);
      const refused = await browser.request("POST", `/users/${id}/2fa/recovery-codes`, {
        json: {},
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("reauthentication_required");
      expect(refused.body.extra.methods).toEqual(["webauthn"]);
      const password = await browser.request("POST", "/reauthenticate", {
        json: { password: PASSWORD },
      });
      expect(password.body.code).toBe("invalid_credentials");
      const options = await browser.request("POST", "/reauthenticate/options", { json: {} });
      const assertion = authenticator.createAssertion(options.body, { origin: TEST_ORIGIN });
      const ok = await browser.request("POST", "/reauthenticate", {
        json: { webauthn_response: assertion },
      });
      expect(ok.status, ok.text).toBe(200);
    });

    it("offers recovery codes straight away", async () => {
      const { id, browser } = await passkeyFirstAccount(server);
      const codes = await browser.request("POST", `/users/${id}/2fa/recovery-codes`, { json: {} });
      expect(codes.status, codes.text).toBe(200);
      expect(codes.body.codes).toHaveLength(10);
    });

    it("refuses a password change with password_not_set, and sets a first password after a recent authentication", async () => {
      const { id, person, browser } = await passkeyFirstAccount(server);
      const change = await browser.request("PATCH", `/users/${id}/password/change`, {
        json: { old_password: "", new_password: PASSWORD },
      });
      expect(change.status).toBe(409);
      expect(change.body.code).toBe("password_not_set");

      server.clock.advance(PAST_WINDOW_MS);
      const stale = await browser.request("POST", `/users/${id}/password/set`, {
        json: { new_password: PASSWORD },
      });
      expect(stale.status).toBe(403);
      expect(stale.body.code).toBe("reauthentication_required");
      server.clock.advance(-PAST_WINDOW_MS);

      const weak = await browser.request("POST", `/users/${id}/password/set`, {
        json: { new_password: "short" },
      });
      expect(weak.body.code).toBe("password_policy");
      const set = await browser.request("POST", `/users/${id}/password/set`, {
        json: { new_password: PASSWORD },
      });
      expect(set.status, set.text).toBe(200);
      expect((await browser.request("GET", "/me")).body.has_password).toBe(true);
      // The password is right now; the passkey is the account's second factor.
      const login = await server
        .client()
        .request("POST", "/login", { json: { name: person.name, password: PASSWORD } });
      expect(login.body.code).toBe("two_fa_required");
      const twice = await browser.request("POST", `/users/${id}/password/set`, {
        json: { new_password: `${PASSWORD}!` },
      });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe("password_already_set");
    });

    it("keeps the only passkey of an account without a password, also against two removals at once", async () => {
      const { id, browser } = await passkeyFirstAccount(server);
      const [only] = (await browser.request("GET", `/users/${id}/2fa/webauthn`)).body as {
        id: string;
      }[];
      const refused = await browser.request("DELETE", `/users/${id}/2fa/webauthn/${only!.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe("last_passkey");
      // A second passkey: of two concurrent removals of both, exactly one goes through.
      const second = await startPasskeyRegistration(browser, id);
      expect((await second.verify(second.attest(), "Phone")).status).toBe(200);
      const listed = (await browser.request("GET", `/users/${id}/2fa/webauthn`)).body as {
        id: string;
      }[];
      const answers = await Promise.all(
        listed.map((p) => browser.request("DELETE", `/users/${id}/2fa/webauthn/${p.id}`)),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect((await browser.request("GET", `/users/${id}/2fa/webauthn`)).body).toHaveLength(1);
    });

    it("sets a password only for oneself", async () => {
      const { id, admin } = await passkeyFirstAccount(server);
      const set = await admin.request("POST", `/users/${id}/password/set`, {
        json: { new_password: PASSWORD },
      });
      expect(set.status).toBe(403);
    });

    it("adds a password through the reset link, with the passkey as its second factor", async () => {
      const { person, authenticator } = await passkeyFirstAccount(server);
      const asked = await server
        .client()
        .request("POST", "/password/forgot", { json: { name: person.name } });
      expect(asked.status).toBe(202);
      const mail = await mailTo(smtp, person.email, "Choose a password for your account");
      const token = tokenFrom(mail, "/reset-password");
      const client = server.client();
      const first = await client.request("POST", "/password/reset-with-token", {
        json: { token, new_password: PASSWORD },
      });
      expect(first.status).toBe(403);
      expect(first.body.code).toBe("two_fa_required");
      const assertion = authenticator.createAssertion(first.body.extra.webauthn_options, {
        origin: TEST_ORIGIN,
      });
      const reset = await client.request("POST", "/password/reset-with-token", {
        json: { token, new_password: PASSWORD, webauthn_response: assertion },
      });
      expect(reset.status, reset.text).toBe(200);
      const login = await server
        .client()
        .request("POST", "/login", { json: { name: person.name, password: PASSWORD } });
      // The password is right; the passkey is the account's second factor.
      expect(login.body.code).toBe("two_fa_required");
    });

    it("lets an admin reset the password of such an account", async () => {
      const { id, admin, person } = await passkeyFirstAccount(server);
      const reset = await admin.request("PATCH", `/users/${id}/password/reset`, {
        json: { new_password: PASSWORD },
      });
      expect(reset.status, reset.text).toBe(200);
      expect(reset.body.must_change_password).toBe(true);
      const login = await server
        .client()
        .request("POST", "/login", { json: { name: person.name, password: PASSWORD } });
      expect(login.body.code).toBe("two_fa_required");
    });
  },
  { env: { TESSERA_SMTP_URL: smtp.url } },
);

describeServer(
  "passkey-first sign-up",
  (server) => {
    it("makes an account without a password whose verification link takes the passkey", async () => {
      const person = fresh("joiner");
      const client = server.client();
      const both = await client.request("POST", "/signup", {
        json: { ...person, password: PASSWORD, passkey: true },
      });
      expect(both.status).toBe(400);
      expect(both.body.code).toBe("validation_error");
      const neither = await client.request("POST", "/signup", { json: person });
      expect(neither.body.code).toBe("validation_error");
      const answer = await client.request("POST", "/signup", {
        json: { ...person, passkey: true },
      });
      expect(answer.status).toBe(202);
      const mail = await mailTo(smtp, person.email, "Confirm your email address");
      const token = tokenFrom(mail, "/verify-email");

      const bogus = await client.request("POST", "/signup/passkey/options", {
        json: { token: "y".repeat(43) },
      });
      expect(bogus.body.code).toBe("invalid_email_token");
      const { finished, authenticator } = await finishWithPasskey(client, "/signup/passkey", token);
      expect(finished.status, finished.text).toBe(200);
      expect(finished.body).toMatchObject({ name: person.name, email_verified: true });
      expect((await client.request("GET", "/me")).body.has_password).toBe(false);
      // The link is spent; a password sign-in is refused as a wrong password.
      const again = await client.request("POST", "/signup/passkey/options", { json: { token } });
      expect(again.body.code).toBe("invalid_email_token");
      const login = await server
        .client()
        .request("POST", "/login", { json: { name: person.name, password: PASSWORD } });
      expect(login.body.code).toBe("invalid_credentials");
      expect((await passkeySignIn(server.client(), authenticator)).status).toBe(200);
    });

    it("answers 409 password_already_set to the link of a sign-up with a password", async () => {
      const person = fresh("classic");
      const client = server.client();
      await client.request("POST", "/signup", { json: { ...person, password: PASSWORD } });
      const mail = await mailTo(smtp, person.email, "Confirm your email address");
      const token = tokenFrom(mail, "/verify-email");
      const options = await client.request("POST", "/signup/passkey/options", { json: { token } });
      expect(options.status).toBe(409);
      expect(options.body.code).toBe("password_already_set");
      // The link still verifies the address as before.
      expect((await client.request("POST", "/email/verify", { json: { token } })).status).toBe(200);
    });
  },
  { env: { TESSERA_SMTP_URL: smtp.url, TESSERA_SIGNUP: "open" } },
);
