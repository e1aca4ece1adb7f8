/**
 * Verified addresses (issue 12, part 3) through a real listening server and a real SMTP server
 * in the test process, on SQLite and PostgreSQL: the links are taken from the mails received.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  EMAIL_VERIFICATION_VALIDITY_MS,
  emailVerificationState,
} from "../../../src/services/account/email-verification.js";
import { countMailsTo, mailTo, tokenFrom } from "../../helpers/mail-links.js";
import { registerPasskey } from "../../helpers/passkeys.js";
import { describeServer } from "../../helpers/routes.js";
import { TEST_ORIGIN, type TestServer } from "../../helpers/server.js";
import { startTestSmtpServer } from "../../helpers/smtp.js";

const smtp = await startTestSmtpServer();
afterAll(() => smtp.close());

let counter = 0;
/** A fresh name and address (one SMTP server serves both dialects). */
function fresh(prefix: string): { name: string; email: string } {
  counter += 1;
  const id = `${prefix}${counter}-${Math.random().toString(36).slice(2, 8)}`;
  return { name: id, email: `${id}@example.org` };
}

async function signedInAdmin(server: TestServer) {
  const admin = await server.createUser({ isAdmin: true });
  const client = server.client();
  await client.login(admin.name, admin.password);
  return { admin, client };
}

describeServer(
  "email verification routes",
  (server) => {
    it("mails a link when an admin creates a user; the link verifies the address once", async () => {
      const { client } = await signedInAdmin(server);
      const person = fresh("verify");
      const created = await client.request("POST", "/users/create", {
        json: { ...person, password: "initial password 1" },
      });
      expect(created.status).toBe(201);
      expect(created.body.email_verified).toBe(false);

      const mail = await mailTo(smtp, person.email, "Confirm your email address");
      expect(mail.text).toContain(`${server.config.publicUrl}/verify-email#token=`);
      const token = tokenFrom(mail, "/verify-email");
      const anonymous = server.client();
      const verified = await anonymous.request("POST", "/email/verify", { json: { token } });
      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({ name: person.name, email_verified: true });

      const twice = await anonymous.request("POST", "/email/verify", { json: { token } });
      expect(twice.status).toBe(400);
      expect(twice.body.code).toBe("invalid_email_token");

      const users = (await client.request("GET", "/users")).body as Record<string, unknown>[];
      expect(users.find((u) => u.name === person.name)).toMatchObject({ email_verified: true });
    });

    it("refuses an expired link, a malformed one and a token of another purpose", async () => {
      const { client } = await signedInAdmin(server);
      const person = fresh("expired");
      await client.request("POST", "/users/create", {
        json: { ...person, password: "initial password 1" },
      });
      const token = tokenFrom(
        await mailTo(smtp, person.email, "Confirm your email address"),
        "/verify-email",
      );
      const start = server.clock();
      server.clock.advance(EMAIL_VERIFICATION_VALIDITY_MS + 1);
      try {
        const late = await server.client().request("POST", "/email/verify", { json: { token } });
        expect(late.status).toBe(400);
        expect(late.body.code).toBe("invalid_email_token");
      } finally {
        server.clock.set(start);
      }

      const malformed = await server
        .client()
        .request("POST", "/email/verify", { json: { token: "not-a-token" } });
      expect(malformed.body.code).toBe("invalid_email_token");

      const invited = fresh("purpose");
      await client.request("POST", "/users/create", { json: { ...invited, invite: true } });
      const invitation = tokenFrom(
        await mailTo(smtp, invited.email, "You are invited"),
        "/invitation",
      );
      const wrongPurpose = await server
        .client()
        .request("POST", "/email/verify", { json: { token: invitation } });
      expect(wrongPurpose.status).toBe(400);
      expect(wrongPurpose.body.code).toBe("invalid_email_token");
    });

    it("changes an address: unverified, a link to the new one, a notice to the old one", async () => {
      const user = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      const next = fresh("moved");
      const changed = await client.request("PATCH", `/users/${user.id}/email`, {
        json: { email: next.email },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ email: next.email, email_verified: false });

      const notice = await mailTo(smtp, user.email, "Your email address was changed");
      expect(notice.text).toContain(next.email);
      const token = tokenFrom(
        await mailTo(smtp, next.email, "Confirm your email address"),
        "/verify-email",
      );
      const verified = await client.request("POST", "/email/verify", { json: { token } });
      expect(verified.body.email_verified).toBe(true);
      expect((await client.request("GET", "/me")).body).toMatchObject({
        email: next.email,
        email_verified: true,
      });
    });

    it("says in GET /users/{id}/email whether a link to the current address was sent and still works, and whether it can receive mail", async () => {
      let id = "";
      const me = async (client: ReturnType<TestServer["client"]>) => {
        const answer = await client.request("GET", `/users/${id}/email`);
        expect(answer.status).toBe(200);
        return answer.body as Record<string, unknown>;
      };
      // Made by the operator: no mail went out.
      const user = await server.createUser({});
      id = user.id;
      const client = server.client();
      await client.login(user.name, user.password);
      expect(await me(client)).toMatchObject({
        email_verified: false,
        email_verification_sent: false,
        email_deliverable: true,
      });

      // A new address: a link goes to it.
      const next = fresh("sent");
      await client.request("PATCH", `/users/${user.id}/email`, { json: { email: next.email } });
      expect(await me(client)).toMatchObject({ email: next.email, email_verification_sent: true });
      const token = tokenFrom(
        await mailTo(smtp, next.email, "Confirm your email address"),
        "/verify-email",
      );

      // Expired: no longer a link to open (asked of the service: the session would idle out).
      const start = server.clock();
      const facts = { id: user.id, email: next.email, emailVerified: false };
      try {
        server.clock.advance(EMAIL_VERIFICATION_VALIDITY_MS + 1);
        expect(await emailVerificationState(server.app.tessera, facts)).toEqual({
          sent: false,
          deliverable: true,
        });
      } finally {
        server.clock.set(start);
      }
      expect(await emailVerificationState(server.app.tessera, facts)).toMatchObject({ sent: true });

      // Used: verified, nothing waiting.
      await server.client().request("POST", "/email/verify", { json: { token } });
      expect(await me(client)).toMatchObject({
        email_verified: true,
        email_verification_sent: false,
      });

      // The first admin's default address can never receive mail.
      const first = await server.createUser({ email: `first-${fresh("x").name}@tessera.invalid` });
      const firstClient = server.client();
      await firstClient.login(first.name, first.password);
      id = first.id;
      expect(await me(firstClient)).toMatchObject({
        email_deliverable: false,
        email_verification_sent: false,
      });
      // Another user's: an admin's business, not a colleague's.
      id = user.id;
      expect((await firstClient.request("GET", `/users/${user.id}/email`)).status).toBe(403);
      // GET /me answers from the session cache: it reads no mail links.
      expect((await client.request("GET", "/me")).body).not.toHaveProperty(
        "email_verification_sent",
      );
    });

    it("verifies only the address a link was sent to", async () => {
      const { client } = await signedInAdmin(server);
      const person = fresh("stale");
      const created = await client.request("POST", "/users/create", {
        json: { ...person, password: "initial password 1" },
      });
      const first = tokenFrom(
        await mailTo(smtp, person.email, "Confirm your email address"),
        "/verify-email",
      );
      const next = fresh("stale-new");
      await client.request("PATCH", `/users/${created.body.id}/email`, {
        json: { email: next.email },
      });
      // The change voided the earlier link; even a live one would name the old address.
      const old = await server
        .client()
        .request("POST", "/email/verify", { json: { token: first } });
      expect(old.status).toBe(400);
      expect(old.body.code).toBe("invalid_email_token");
    });

    it("lets an admin change a non-admin's address but not another admin's", async () => {
      const { client } = await signedInAdmin(server);
      const user = await server.createUser({});
      const byAdmin = await client.request("PATCH", `/users/${user.id}/email`, {
        json: { email: fresh("admin-set").email },
      });
      expect(byAdmin.status).toBe(200);
      const notice = await mailTo(smtp, user.email, "Your email address was changed");
      expect(notice.text).toContain("by an administrator");

      const otherAdmin = await server.createUser({ isAdmin: true });
      const refused = await client.request("PATCH", `/users/${otherAdmin.id}/email`, {
        json: { email: fresh("nope").email },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("permission_denied");
    });

    it("refuses another user's change, a taken address and the same address", async () => {
      const user = await server.createUser({});
      const other = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      const notMine = await client.request("PATCH", `/users/${other.id}/email`, {
        json: { email: fresh("x").email },
      });
      expect(notMine.status).toBe(403);
      const taken = await client.request("PATCH", `/users/${user.id}/email`, {
        json: { email: other.email.toUpperCase() },
      });
      expect(taken.status).toBe(409);
      expect(taken.body.code).toBe("conflict");
      const same = await client.request("PATCH", `/users/${user.id}/email`, {
        json: { email: user.email },
      });
      expect(same.status).toBe(400);
      expect(same.body.code).toBe("validation_error");
      const invalid = await client.request("PATCH", `/users/${user.id}/email`, {
        json: { email: "no-at-sign" },
      });
      expect(invalid.body.code).toBe("validation_error");
    });

    it("lets an admin mark an address verified, and no one else", async () => {
      const { client } = await signedInAdmin(server);
      const user = await server.createUser({});
      const asUser = server.client();
      await asUser.login(user.name, user.password);
      const self = await asUser.request("POST", `/users/${user.id}/email/verified`, { json: {} });
      expect(self.status).toBe(403);
      const marked = await client.request("POST", `/users/${user.id}/email/verified`, {
        json: {},
      });
      expect(marked.status).toBe(200);
      expect(marked.body.email_verified).toBe(true);
    });
  },
  { env: { TESSERA_SMTP_URL: smtp.url } },
);

describeServer(
  "sign-in with TESSERA_REQUIRE_VERIFIED_EMAIL=true",
  (server) => {
    it("refuses an unverified account only after the password check", async () => {
      const user = await server.createUser({});
      const client = server.client();
      const wrong = await client.request("POST", "/login", {
        json: { name: user.name, password: "not the password" },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe("invalid_credentials");
      const unknown = await client.request("POST", "/login", {
        json: { name: `nobody-${user.name}`, password: user.password },
      });
      expect(unknown.body.code).toBe("invalid_credentials");

      const right = await client.request("POST", "/login", {
        json: { name: user.name, password: user.password },
      });
      expect(right.status).toBe(403);
      expect(right.body.code).toBe("email_not_verified");
      expect(client.cookies.has("token")).toBe(false);
    });

    it("sends the link again on request, and the account signs in once verified", async () => {
      const user = await server.createUser({});
      const client = server.client();
      const resent = await client.request("POST", "/email/verify/resend", {
        json: { name: user.name },
      });
      expect(resent.status).toBe(202);
      const token = tokenFrom(
        await mailTo(smtp, user.email, "Confirm your email address"),
        "/verify-email",
      );
      expect((await client.request("POST", "/email/verify", { json: { token } })).status).toBe(200);
      const signedIn = await client.login(user.name, user.password);
      expect(signedIn.body.email_verified).toBe(true);
    });

    it("answers 202 for an unknown or verified account and mails nothing", async () => {
      const client = server.client();
      const ghost = fresh("ghost");
      const unknown = await client.request("POST", "/email/verify/resend", {
        json: { name: ghost.email },
      });
      expect(unknown.status).toBe(202);
      const user = await server.createUser({});
      await server.tessera.ctx.db
        .updateTable("users")
        .set({ email_verified_at: server.clock() })
        .where("id", "=", user.id)
        .execute();
      const verified = await client.request("POST", "/email/verify/resend", {
        json: { name: user.name },
      });
      expect(verified.status).toBe(202);
      expect(await countMailsTo(smtp, ghost.email, "")).toBe(0);
      expect(await countMailsTo(smtp, user.email, "")).toBe(0);
    });

    it("refuses a passwordless passkey sign-in of an unverified account after the passkey check", async () => {
      const user = await server.createUser({});
      const setVerified = (at: number | null) =>
        server.tessera.ctx.db
          .updateTable("users")
          .set({ email_verified_at: at })
          .where("id", "=", user.id)
          .execute();
      // Verified while the passkey is registered, then no longer (an address change).
      await setVerified(server.clock());
      const client = server.client();
      await client.login(user.name, user.password);
      const { authenticator } = await registerPasskey(client, user.id);
      await setVerified(null);

      const stranger = server.client();
      const first = await stranger.request("POST", "/login/passkey/options", { json: {} });
      const unverifiedUser = authenticator.createAssertion(first.body, {
        origin: TEST_ORIGIN,
        flags: { uv: false },
      });
      const badProof = await stranger.request("POST", "/login/passkey", {
        json: { webauthn_response: unverifiedUser },
      });
      expect(badProof.body.code).toBe("webauthn_verification_failed");

      const second = await stranger.request("POST", "/login/passkey/options", { json: {} });
      const assertion = authenticator.createAssertion(second.body, { origin: TEST_ORIGIN });
      const refused = await stranger.request("POST", "/login/passkey", {
        json: { webauthn_response: assertion },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("email_not_verified");
      expect(stranger.cookies.has("token")).toBe(false);
    });

    it("caps the resend per account name: the fourth in an hour gets 429", async () => {
      const user = await server.createUser({});
      const client = server.client();
      for (let i = 0; i < 3; i += 1) {
        const ok = await client.request("POST", "/email/verify/resend", {
          json: { name: user.name },
        });
        expect(ok.status).toBe(202);
      }
      const capped = await client.request("POST", "/email/verify/resend", {
        json: { name: user.name.toUpperCase() },
      });
      expect(capped.status).toBe(429);
      expect(capped.body.code).toBe("too_many_requests");
      expect(Number(capped.headers.get("retry-after"))).toBeGreaterThan(0);
    });
  },
  { env: { TESSERA_SMTP_URL: smtp.url, TESSERA_REQUIRE_VERIFIED_EMAIL: "true" } },
);

describe("the verification link's validity", () => {
  it("is 48 hours", () => {
    expect(EMAIL_VERIFICATION_VALIDITY_MS).toBe(48 * 60 * 60 * 1000);
  });
});
