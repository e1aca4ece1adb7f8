/**
 * Invitations (issue 12, part 4) through a real listening server and a real SMTP server in the
 * test process, on SQLite and PostgreSQL: the admin invites, the link comes by mail, the
 * person chooses a password and is signed in.
 */
import { afterAll, expect, it } from "vitest";
import { INVITATION_VALIDITY_MS } from "../../../src/services/account/invitations.js";
import { countMailsTo, mailTo, tokenFrom } from "../../helpers/mail-links.js";
import { describeServer } from "../../helpers/routes.js";
import type { TestServer } from "../../helpers/server.js";
import { startTestSmtpServer } from "../../helpers/smtp.js";

const smtp = await startTestSmtpServer();
afterAll(() => smtp.close());

const PASSWORD = "a long chosen passphrase 7";
let counter = 0;

/** The invitee's browser, following the link, chooses `password` (by default PASSWORD). */
function accept(server: TestServer, token: string, password = PASSWORD) {
  return server
    .client()
    .request("POST", "/invitations/accept", { json: { token, new_password: password } });
}

/** An admin signs in and invites a fresh person; the invitation's token from the mail. */
async function invite(server: TestServer) {
  counter += 1;
  const id = `invitee${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const person = { name: id, email: `${id}@example.org` };
  const admin = await server.createUser({ isAdmin: true });
  const client = server.client();
  await client.login(admin.name, admin.password);
  const created = await client.request("POST", "/users/create", {
    json: { ...person, invite: true },
  });
  expect(created.status).toBe(201);
  const mail = await mailTo(smtp, person.email, "You are invited");
  return { admin: client, person, id: created.body.id as string, mail };
}

describeServer(
  "invitation routes",
  (server) => {
    it("invites by mail; the link sets the password, verifies the address and signs in", async () => {
      const { admin, person, id, mail } = await invite(server);
      expect(mail.text).toContain(`${server.config.publicUrl}/invitation#token=`);
      const listed = (await admin.request("GET", "/users")).body as Record<string, unknown>[];
      expect(listed.find((u) => u.id === id)).toMatchObject({
        invitation_pending: true,
        email_verified: false,
        must_change_password: false,
      });

      const token = tokenFrom(mail, "/invitation");
      const browser = server.client();
      const checked = await browser.request("POST", "/invitations/check", { json: { token } });
      expect(checked.body).toEqual(person);
      const accepted = await browser.request("POST", "/invitations/accept", {
        json: { token, new_password: PASSWORD },
      });
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ name: person.name, email_verified: true });
      expect(browser.cookies.has("token")).toBe(true);
      expect((await browser.request("GET", "/me")).body.name).toBe(person.name);
      await server.client().login(person.email, PASSWORD);

      const after = (await admin.request("GET", "/users")).body as Record<string, unknown>[];
      expect(after.find((u) => u.id === id)).toMatchObject({ invitation_pending: false });
    });

    it("uses a link once", async () => {
      const { mail } = await invite(server);
      const token = tokenFrom(mail, "/invitation");
      const first = await accept(server, token);
      expect(first.status).toBe(200);
      const second = await accept(server, token, `${PASSWORD}!`);
      expect(second.status).toBe(400);
      expect(second.body.code).toBe("invalid_email_token");
      const check = await server
        .client()
        .request("POST", "/invitations/check", { json: { token } });
      expect(check.body.code).toBe("invalid_email_token");
    });

    it("lets one of two concurrent accepts win", async () => {
      const { mail } = await invite(server);
      const token = tokenFrom(mail, "/invitation");
      const answers = await Promise.all(
        [1, 2, 3].map((n) => accept(server, token, `${PASSWORD}${n}`)),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400]);
    });

    it("refuses an expired link (72 hours)", async () => {
      const { mail } = await invite(server);
      const token = tokenFrom(mail, "/invitation");
      const start = server.clock();
      server.clock.advance(INVITATION_VALIDITY_MS + 1);
      try {
        const late = await accept(server, token);
        expect(late.status).toBe(400);
        expect(late.body.code).toBe("invalid_email_token");
      } finally {
        server.clock.set(start);
      }
    });

    it("refuses a verification token as an invitation", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const client = server.client();
      await client.login(admin.name, admin.password);
      const email = `verify-only-${Math.random().toString(36).slice(2, 8)}@example.org`;
      await client.request("POST", "/users/create", {
        json: { name: email.split("@")[0], email, password: "initial password 1" },
      });
      const token = tokenFrom(await mailTo(smtp, email, "Confirm your email"), "/verify-email");
      const wrong = await accept(server, token);
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe("invalid_email_token");
    });

    it("refuses a weak password and keeps the link usable", async () => {
      const { mail } = await invite(server);
      const token = tokenFrom(mail, "/invitation");
      const weak = await accept(server, token, "password");
      expect(weak.status).toBe(400);
      expect(weak.body.code).toBe("password_policy");
      const good = await accept(server, token);
      expect(good.status).toBe(200);
    });

    it("fails a sign-in before acceptance exactly like a wrong password", async () => {
      const { person } = await invite(server);
      const attempt = await server
        .client()
        .request("POST", "/login", { json: { name: person.name, password: "any password 123" } });
      expect(attempt.status).toBe(400);
      expect(attempt.body.code).toBe("invalid_credentials");
      const unknown = await server
        .client()
        .request("POST", "/login", { json: { name: `no-${person.name}`, password: "any" } });
      expect(attempt.body).toEqual(unknown.body);
      const user = await server.tessera.ctx.db
        .selectFrom("users")
        .select("password_hash")
        .where("name", "=", person.name)
        .executeTakeFirstOrThrow();
      // A real Argon2id hash of the configured cost: the same work as any wrong password.
      expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    });

    it("sends again: the new link works, the old one no longer", async () => {
      const { admin, person, id, mail } = await invite(server);
      const old = tokenFrom(mail, "/invitation");
      const again = await admin.request("POST", `/users/${id}/invitation`, { json: {} });
      expect(again.status).toBe(202);
      const fresh = tokenFrom(
        await mailTo(smtp, person.email, "You are invited", 2),
        "/invitation",
      );
      expect(fresh).not.toBe(old);
      const stale = await accept(server, old);
      expect(stale.body.code).toBe("invalid_email_token");
      const ok = await accept(server, fresh);
      expect(ok.status).toBe(200);
      const late = await admin.request("POST", `/users/${id}/invitation`, { json: {} });
      expect(late.status).toBe(409);
      expect(late.body.code).toBe("invitation_not_pending");
    });

    it("voids a waiting invitation when an admin sets the password instead", async () => {
      const { admin, id, mail } = await invite(server);
      const token = tokenFrom(mail, "/invitation");
      const reset = await admin.request("PATCH", `/users/${id}/password/reset`, {
        json: { new_password: "an admin chosen passphrase 9" },
      });
      expect(reset.status).toBe(200);
      const stale = await accept(server, token);
      expect(stale.status).toBe(400);
      expect(stale.body.code).toBe("invalid_email_token");
      const listed = (await admin.request("GET", "/users")).body as Record<string, unknown>[];
      expect(listed.find((u) => u.id === id)).toMatchObject({
        invitation_pending: false,
        must_change_password: true,
      });
      const again = await admin.request("POST", `/users/${id}/invitation`, { json: {} });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe("invitation_not_pending");
    });

    it("moves a waiting invitation to a corrected address; the old link dies", async () => {
      const { admin, person, id, mail } = await invite(server);
      const old = tokenFrom(mail, "/invitation");
      const corrected = `fixed-${person.email}`;
      const changed = await admin.request("PATCH", `/users/${id}/email`, {
        json: { email: corrected },
      });
      expect(changed.status).toBe(200);
      const moved = tokenFrom(await mailTo(smtp, corrected, "You are invited"), "/invitation");
      const stale = await accept(server, old);
      expect(stale.body.code).toBe("invalid_email_token");
      const ok = await accept(server, moved);
      expect(ok.body).toMatchObject({ email: corrected, email_verified: true });
      // The mistyped address never had the account: it hears nothing of the change.
      expect(await countMailsTo(smtp, person.email, "changed")).toBe(0);
    });

    it("lets only admins invite and send again", async () => {
      const { id } = await invite(server);
      const user = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      const again = await client.request("POST", `/users/${id}/invitation`, { json: {} });
      expect(again.status).toBe(403);
      const create = await client.request("POST", "/users/create", {
        json: { name: "sneaky", email: "sneaky@example.org", invite: true },
      });
      expect(create.status).toBe(403);
    });

    it("wants either a password or invite, and an email with invite", async () => {
      const admin = await server.createUser({ isAdmin: true });
      const client = server.client();
      await client.login(admin.name, admin.password);
      const both = await client.request("POST", "/users/create", {
        json: { name: "both", email: "both@example.org", password: PASSWORD, invite: true },
      });
      expect(both.status).toBe(400);
      expect(both.body).toMatchObject({ code: "validation_error", extra: { field: "password" } });
      const neither = await client.request("POST", "/users/create", {
        json: { name: "neither", email: "neither@example.org" },
      });
      expect(neither.status).toBe(400);
      expect(neither.body.code).toBe("validation_error");
      const noEmail = await client.request("POST", "/users/create", {
        json: { name: "no-email", invite: true },
      });
      expect(noEmail.status).toBe(400);
      expect(noEmail.body.code).toBe("validation_error");
    });

    it("refuses an accept from another origin (login CSRF)", async () => {
      const { mail } = await invite(server);
      const token = tokenFrom(mail, "/invitation");
      const foreign = await server.client().request("POST", "/invitations/accept", {
        json: { token, new_password: PASSWORD },
        origin: "https://evil.example",
      });
      expect(foreign.status).toBe(403);
      expect(foreign.body.code).toBe("csrf");
    });
  },
  { env: { TESSERA_SMTP_URL: smtp.url } },
);
