/**
 * The mail flows end to end (issue 12, parts 2 and 6) through a real listening server and a
 * real SMTP server in the test process, following the links in the mail bodies: forgot
 * password, reset with the token (single use, 30 minutes, void after another change, second
 * factor required), security notices and "This wasn't me"; on SQLite and PostgreSQL.
 */
import { afterAll, describe, expect, it } from "vitest";
import { generateTotp } from "../../../src/core/totp.js";
import { resetPasswordAsOperator } from "../../../src/services/account/passwords.js";
import { listAuditEvents } from "../../../src/store/index.js";
import { registerPasskey } from "../../helpers/passkeys.js";
import { enableTotp, makeCodes } from "../../helpers/recovery-codes.js";
import { describeServer } from "../../helpers/routes.js";
import type { TestServer } from "../../helpers/server.js";
import { startTestSmtpServer, type ReceivedMail } from "../../helpers/smtp.js";
import { waitFor } from "../../helpers/wait.js";

const smtp = await startTestSmtpServer();
afterAll(() => smtp.close());

/** The token in a link's fragment (`…#token=…`). */
function tokenOf(link: string | undefined): string {
  const token = new URLSearchParams(new URL(link ?? "http://x/").hash.slice(1)).get("token");
  if (token === null) throw new Error(`no token in ${String(link)}`);
  return token;
}

const mailTo = (address: string, subject: RegExp) =>
  smtp.waitForMail((m) => m.to.includes(address.toLowerCase()) && subject.test(m.subject));

/** The admin's browser, sent with every admin request below: it must never reach the user's mail. */
const ADMIN_BROWSER = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0" };

/**
 * A notice written as an administrator's action (issue 18, item 6): it says an administrator
 * did it, offers no "this was you" or "This wasn't me" (no link at all), and names neither the
 * admin's browser nor their address.
 */
function expectAdministratorNotice(notice: ReceivedMail): void {
  for (const body of [notice.text, notice.html]) {
    expect(body).toContain("An administrator");
    expect(body).not.toMatch(/if this was you/i);
    expect(body).not.toMatch(/wasn(&#39;|')t me/i);
    expect(body).not.toMatch(/if it was not you/i);
    expect(body).not.toContain("From:");
    expect(body).not.toContain("Firefox");
    expect(body).not.toContain("127.0.0.1");
    expect(body).not.toContain("/not-me");
  }
  expect(notice.links).toEqual([]);
}

/** A notice of the user's own action, as before: where from, "If this was you", "This wasn't me". */
function expectOwnActionNotice(notice: ReceivedMail): void {
  expect(notice.text).toContain("If this was you, there is nothing to do.");
  expect(notice.text).toContain("This wasn't me:");
  expect(notice.text).toMatch(/From: .*, address 127\.0\.0\.1\./);
  expect(notice.text).not.toContain("An administrator");
  expect(notice.links[0]).toMatch(/^http:\/\/tessera\.test\/not-me#token=/);
}

async function forgot(server: TestServer, name: string): Promise<ReceivedMail> {
  const response = await server.client().request("POST", "/password/forgot", { json: { name } });
  expect(response.status).toBe(202);
  return mailTo(name.includes("@") ? name : "", /Choose a new password/);
}

describeServer(
  "mail routes",
  (server) => {
    describe("forgot password", () => {
      it("mails a reset link from the public URL; following it sets the password and ends every session", async () => {
        const user = await server.createUser({ mustChangePassword: true });
        const signedIn = server.client();
        await signedIn.login(user.name, user.password);
        const mail = await forgot(server, user.email);
        expect(mail.subject).toBe("Tessera: Choose a new password");
        expect(mail.text).toContain(`Hello ${user.name},`);
        const link = mail.links[0] ?? "";
        expect(link).toMatch(/^http:\/\/tessera\.test\/reset-password#token=[A-Za-z0-9_-]{43}$/);
        expect(mail.html).toContain(`href="${link}"`);

        const reset = await server.client().request("POST", "/password/reset-with-token", {
          json: { token: tokenOf(link), new_password: "a fresh passphrase 71" },
        });
        expect(reset.status).toBe(200);
        expect(reset.body).toEqual({ ok: true });
        expect((await signedIn.request("GET", "/me")).status).toBe(401);
        const again = server.client();
        const me = await again.login(user.name, "a fresh passphrase 71");
        expect(me.body.must_change_password).toBe(false);
        const notice = await mailTo(user.email, /Your password was reset/);
        expect(notice.links[0]).toMatch(/^http:\/\/tessera\.test\/not-me#token=/);
        const events = await listAuditEvents(server.app.tessera.db, { userId: user.id });
        expect(events.map((e) => e.event)).toEqual(
          expect.arrayContaining(["password_reset_requested", "password_reset"]),
        );
        expect(events.find((e) => e.event === "password_reset")?.detail).toMatchObject({
          via: "email",
        });
      });

      it("answers an unknown account the same and sends nothing", async () => {
        const known = await server.createUser({});
        const unknown = `nobody-${server.dialect}@example.org`;
        const client = server.client();
        const a = await client.request("POST", "/password/forgot", { json: { name: unknown } });
        const b = await client.request("POST", "/password/forgot", { json: { name: known.name } });
        expect(a.status).toBe(202);
        expect(a.text).toBe(b.text);
        const names = (headers: Headers) => {
          const keys: string[] = [];
          headers.forEach((_value, key) => keys.push(key));
          return keys.sort();
        };
        expect(names(a.headers)).toEqual(names(b.headers));
        await mailTo(known.email, /Choose a new password/);
        await server.tessera.mail.runOnce();
        expect(smtp.mailsTo(unknown)).toEqual([]);
        const rows = await server.tessera.database.db
          .selectFrom("mail_queue")
          .select("recipient")
          .where("recipient", "=", unknown)
          .execute();
        expect(rows).toEqual([]);
        // Audited without a user (admins see requests for accounts that do not exist), and
        // without the name asked for.
        // (Written after the answer: wait for it.)
        let anonymous: Awaited<ReturnType<typeof listAuditEvents>> = [];
        await waitFor(
          async () => {
            const events = await listAuditEvents(server.tessera.ctx.db, {
              event: "password_reset_requested",
            });
            anonymous = events.filter((e) => e.userId === null);
            return anonymous.length > 0;
          },
          { pollMs: 20 },
        );
        expect(anonymous.length).toBeGreaterThan(0);
        expect(anonymous[0]?.detail).toEqual({ reason: "unknown_user" });
        expect(JSON.stringify(anonymous)).not.toContain("nobody");
      });

      it("refuses a token used twice, an expired one, and one older than another password change", async () => {
        const user = await server.createUser({});
        const first = tokenOf((await forgot(server, user.email)).links[0]);
        const ok = await server.client().request("POST", "/password/reset-with-token", {
          json: { token: first, new_password: "first new passphrase 1" },
        });
        expect(ok.status).toBe(200);
        const twice = await server.client().request("POST", "/password/reset-with-token", {
          json: { token: first, new_password: "second new passphrase 2" },
        });
        expect(twice.status).toBe(400);
        expect(twice.body.code).toBe("invalid_email_token");

        smtp.mails.splice(0);
        const expired = tokenOf((await forgot(server, user.email)).links[0]);
        server.clock.advance(30 * 60_000);
        const late = await server.client().request("POST", "/password/reset-with-token", {
          json: { token: expired, new_password: "second new passphrase 2" },
        });
        expect(late.body.code).toBe("invalid_email_token");

        smtp.mails.splice(0);
        const stale = tokenOf((await forgot(server, user.email)).links[0]);
        const client = server.client();
        await client.login(user.name, "first new passphrase 1");
        const changed = await client.request("PATCH", `/users/${user.id}/password/change`, {
          json: { old_password: "first new passphrase 1", new_password: "changed passphrase 3" },
        });
        expect(changed.status).toBe(200);
        const after = await server.client().request("POST", "/password/reset-with-token", {
          json: { token: stale, new_password: "second new passphrase 2" },
        });
        expect(after.body.code).toBe("invalid_email_token");
        await server.client().login(user.name, "changed passphrase 3");
      });

      it("lets one of many concurrent resets with one link win", async () => {
        const user = await server.createUser({});
        const token = tokenOf((await forgot(server, user.email)).links[0]);
        const answers = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            server.client().request("POST", "/password/reset-with-token", {
              json: { token, new_password: `racing passphrase number ${i}` },
            }),
          ),
        );
        const statuses = answers.map((a) => a.status).sort();
        expect(statuses).toEqual([200, 400, 400, 400, 400, 400]);
        expect(answers.filter((a) => a.status === 400).map((a) => a.body.code)).toEqual(
          Array(5).fill("invalid_email_token"),
        );
        const winner = answers.findIndex((a) => a.status === 200);
        await server.client().login(user.name, `racing passphrase number ${winner}`);
      });

      it("refuses the reset of an account with TOTP without its code, as login does", async () => {
        const user = await server.createUser({});
        const client = server.client();
        await client.login(user.name, user.password);
        const secret = await enableTotp(server, client, user.id);
        server.clock.advance(30_000);
        const token = tokenOf((await forgot(server, user.email)).links[0]);
        const body = { token, new_password: "protected passphrase 9" };
        const without = await server.client().request("POST", "/password/reset-with-token", {
          json: body,
        });
        expect(without.status).toBe(403);
        expect(without.body.code).toBe("two_fa_required");
        expect(without.body.extra).toEqual({
          user_id: user.id,
          totp_supported: true,
          webauthn_supported: false,
          recovery_supported: false,
        });
        const wrong = await server.client().request("POST", "/password/reset-with-token", {
          json: { ...body, two_fa_code: "000000" },
        });
        expect(wrong.body.code).toBe("invalid_two_fa_code");
        await server.client().login(user.name, user.password, {
          two_fa_code: generateTotp(secret, { clock: server.clock }),
        });
        server.clock.advance(30_000);
        const right = await server.client().request("POST", "/password/reset-with-token", {
          json: { ...body, two_fa_code: generateTotp(secret, { clock: server.clock }) },
        });
        expect(right.status).toBe(200);
      });

      it("limits requests per account like login, known or not", async () => {
        const user = await server.createUser({});
        for (const name of [user.name, `ghost-${server.dialect}`]) {
          const client = server.client();
          const statuses: number[] = [];
          for (let i = 0; i < 4; i += 1) {
            statuses.push(
              (await client.request("POST", "/password/forgot", { json: { name } })).status,
            );
          }
          expect(statuses).toEqual([202, 202, 202, 429]);
        }
      });
    });

    describe("security notices", () => {
      it("mails a password change; “This wasn't me” ends every session, once", async () => {
        const user = await server.createUser({});
        const a = server.client();
        await a.login(user.name, user.password);
        const b = server.client();
        await b.login(user.name, user.password);
        await a.request("PATCH", `/users/${user.id}/password/change`, {
          json: { old_password: user.password, new_password: "another passphrase 44" },
        });
        const notice = await mailTo(user.email, /Your password was changed/);
        expectOwnActionNotice(notice);
        const token = tokenOf(notice.links[0]);
        expect((await a.request("GET", "/me")).status).toBe(200);
        const reported = await server.client().request("POST", "/not-me", { json: { token } });
        expect(reported.status).toBe(200);
        expect(reported.body).toEqual({ ok: true, ended: 1 });
        expect((await a.request("GET", "/me")).status).toBe(401);
        const twice = await server.client().request("POST", "/not-me", { json: { token } });
        expect(twice.body.code).toBe("invalid_email_token");
      });

      it("mails the user when an admin resets their password, and voids their reset link", async () => {
        const admin = await server.createUser({ isAdmin: true });
        const user = await server.createUser({});
        const link = tokenOf((await forgot(server, user.email)).links[0]);
        const asAdmin = server.client();
        await asAdmin.login(admin.name, admin.password);
        const reset = await asAdmin.request("PATCH", `/users/${user.id}/password/reset`, {
          json: { new_password: "temporary passphrase 12" },
          headers: ADMIN_BROWSER,
        });
        expect(reset.status).toBe(200);
        const notice = await mailTo(user.email, /Your password was reset/);
        expect(notice.text).toContain(`Hello ${user.name},`);
        expectAdministratorNotice(notice);
        expect(notice.text).toContain("An administrator set a new password for your account.");
        const late = await server.client().request("POST", "/password/reset-with-token", {
          json: { token: link, new_password: "my own passphrase 13" },
        });
        expect(late.body.code).toBe("invalid_email_token");
      });

      it("mails the operator's reset (tessera reset-password) as an administrator's action", async () => {
        const user = await server.createUser({});
        await resetPasswordAsOperator(server.app.tessera, user.name, "operator passphrase 58", {
          mustChangePassword: true,
        });
        const notice = await mailTo(user.email, /Your password was reset/);
        expectAdministratorNotice(notice);
      });

      it("mails a sign-in from a new device; “This wasn't me” ends that session only", async () => {
        const user = await server.createUser({});
        const home = server.client();
        await home.login(user.name, user.password); // the first device: nothing to compare
        await home.login(user.name, user.password); // the same browser (device cookie)
        const elsewhere = server.client();
        const signIn = await elsewhere.request("POST", "/login", {
          json: { name: user.name, password: user.password },
          headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0" },
        });
        expect(signIn.status).toBe(200);
        const notice = await mailTo(user.email, /New sign-in/);
        expect(smtp.mailsTo(user.email).filter((m) => /New sign-in/.test(m.subject))).toHaveLength(
          1,
        );
        expect(notice.text).toMatch(/From: Firefox on Linux, address 127\.0\.0\.1\./);
        const reported = await server.client().request("POST", "/not-me", {
          json: { token: tokenOf(notice.links[0]) },
        });
        expect(reported.body).toEqual({ ok: true, ended: 1 });
        expect((await elsewhere.request("GET", "/me")).status).toBe(401);
        expect((await home.request("GET", "/me")).status).toBe(200);
      });

      it("mails when an authenticator app is turned on and off", async () => {
        const user = await server.createUser({});
        const client = server.client();
        await client.login(user.name, user.password);
        const secret = await enableTotp(server, client, user.id);
        await mailTo(user.email, /An authenticator app was added/);
        server.clock.advance(30_000);
        await client.request("POST", `/users/${user.id}/2fa/totp/disable`, {
          json: { code: generateTotp(secret, { clock: server.clock }) },
        });
        const off = await mailTo(user.email, /authenticator app was removed/);
        expectOwnActionNotice(off);
        const reported = await server.client().request("POST", "/not-me", {
          json: { token: tokenOf(off.links[0]) },
        });
        expect(reported.body).toEqual({ ok: true, ended: 1 });
        expect((await client.request("GET", "/me")).status).toBe(401);
      });

      it("mails when recovery codes are renewed and when one is used; a reset link takes a code too", async () => {
        const user = await server.createUser({});
        const client = server.client();
        await client.login(user.name, user.password);
        const secret = await enableTotp(server, client, user.id);
        const [first, second] = await makeCodes(client, user.id);
        await mailTo(user.email, /Your recovery codes were renewed/);

        const elsewhere = server.client();
        const signedIn = await elsewhere.login(user.name, user.password, { recovery_code: first });
        expect(signedIn.status).toBe(200);
        const used = await mailTo(user.email, /A recovery code was used/);
        // The code's session was not issued when the notice was queued: every session ends.
        const reported = await server.client().request("POST", "/not-me", {
          json: { token: tokenOf(used.links[0]) },
        });
        expect(reported.body).toEqual({ ok: true, ended: 2 });

        // A reset link alone is not enough; a recovery code stands in for the factor, once.
        const token = tokenOf((await forgot(server, user.email)).links[0]);
        const without = await server.client().request("POST", "/password/reset-with-token", {
          json: { token, new_password: "recovered passphrase 66" },
        });
        expect(without.body.code).toBe("two_fa_required");
        expect(without.body.extra.recovery_supported).toBe(true);
        const reused = await server.client().request("POST", "/password/reset-with-token", {
          json: { token, new_password: "recovered passphrase 66", recovery_code: first },
        });
        expect(reused.body.code).toBe("invalid_two_fa_code");
        const reset = await server.client().request("POST", "/password/reset-with-token", {
          json: { token, new_password: "recovered passphrase 66", recovery_code: second },
        });
        expect(reset.status).toBe(200);
        server.clock.advance(30_000);
        const after = await server.client().login(user.name, "recovered passphrase 66", {
          two_fa_code: generateTotp(secret, { clock: server.clock }),
        });
        expect(after.status).toBe(200);
      });

      it("mails the user when an admin locks the account", async () => {
        const admin = await server.createUser({ isAdmin: true });
        const user = await server.createUser({});
        const asAdmin = server.client();
        await asAdmin.login(admin.name, admin.password);
        const locked = await asAdmin.request("POST", `/users/${user.id}/lock`, {
          json: { reason: "reported stolen laptop" },
          headers: ADMIN_BROWSER,
        });
        expect(locked.status).toBe(200);
        const notice = await mailTo(user.email, /Your account was locked/);
        expect(notice.text).toContain("An administrator locked your account");
        expectAdministratorNotice(notice);
        // The admin's note is for admins: the mail never carries it.
        expect(notice.text).not.toContain("stolen laptop");
        expect(notice.html).not.toContain("stolen laptop");
      });

      it("mails an admin's removal of the user's authenticator app as the administrator's action", async () => {
        const admin = await server.createUser({ isAdmin: true });
        const user = await server.createUser({});
        const client = server.client();
        await client.login(user.name, user.password);
        await enableTotp(server, client, user.id);
        const added = await mailTo(user.email, /An authenticator app was added/);
        expectOwnActionNotice(added);
        const asAdmin = server.client();
        await asAdmin.login(admin.name, admin.password);
        const off = await asAdmin.request("POST", `/users/${user.id}/2fa/totp/disable`, {
          json: {},
          headers: ADMIN_BROWSER,
        });
        expect(off.status, off.text).toBe(200);
        const notice = await mailTo(user.email, /authenticator app was removed/);
        expectAdministratorNotice(notice);
        expect(notice.text).toContain(
          "An administrator turned off the authenticator app of your account.",
        );
      });

      it("mails an admin's removal of the user's passkey as the administrator's action, the user's own as theirs", async () => {
        const admin = await server.createUser({ isAdmin: true });
        const user = await server.createUser({});
        const client = server.client();
        await client.login(user.name, user.password);
        const first = await registerPasskey(client, user.id);
        const second = await registerPasskey(client, user.id);
        const own = await client.request(
          "DELETE",
          `/users/${user.id}/2fa/webauthn/${encodeURIComponent(first.credentialId)}`,
        );
        expect(own.status, own.text).toBe(200);
        expectOwnActionNotice(await mailTo(user.email, /A passkey was removed/));

        const asAdmin = server.client();
        await asAdmin.login(admin.name, admin.password);
        const removed = await asAdmin.request(
          "DELETE",
          `/users/${user.id}/2fa/webauthn/${encodeURIComponent(second.credentialId)}`,
          { headers: ADMIN_BROWSER },
        );
        expect(removed.status, removed.text).toBe(200);
        await waitFor(
          () =>
            smtp.mailsTo(user.email).filter((m) => /A passkey was removed/.test(m.subject))
              .length === 2,
        );
        const notices = smtp
          .mailsTo(user.email)
          .filter((m) => /A passkey was removed/.test(m.subject));
        const notice = notices[1];
        if (notice === undefined) throw new Error("no second notice");
        expectAdministratorNotice(notice);
        expect(notice.text).toContain("An administrator removed a passkey from your account.");
      });

      it("refuses an unknown or malformed “This wasn't me” token", async () => {
        for (const token of ["x", "A".repeat(43)]) {
          const response = await server.client().request("POST", "/not-me", { json: { token } });
          expect(response.status).toBe(400);
          expect(response.body.code).toBe("invalid_email_token");
        }
      });
    });
  },
  { env: { TESSERA_SMTP_URL: smtp.url } },
);
