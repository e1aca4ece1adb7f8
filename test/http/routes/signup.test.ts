/**
 * Self-service sign-up (issue 12, part 5) through a real listening server and a real SMTP
 * server in the test process, on SQLite and PostgreSQL: off by default (404), and when open the
 * same answer whether or not the name or address is taken, with the mail telling the owner.
 */
import { afterAll, expect, it } from "vitest";
import { countMailsTo, mailTo, tokenFrom } from "../../helpers/mail-links.js";
import { describeServer } from "../../helpers/routes.js";
import { startTestSmtpServer } from "../../helpers/smtp.js";

const smtp = await startTestSmtpServer();
afterAll(() => smtp.close());

const PASSWORD = "a long chosen passphrase 9";
let counter = 0;
function fresh(prefix: string): { name: string; email: string } {
  counter += 1;
  const id = `${prefix}${counter}-${Math.random().toString(36).slice(2, 8)}`;
  return { name: id, email: `${id}@example.org` };
}

describeServer(
  "sign-up when off (the default)",
  (server) => {
    it("answers 404 to POST /signup and the page, and mails nothing", async () => {
      const person = fresh("closed");
      const client = server.client();
      const refused = await client.request("POST", "/signup", {
        json: { ...person, password: PASSWORD },
      });
      expect(refused.status).toBe(404);
      expect(refused.body.code).toBe("not_found");
      const page = await client.request("GET", "/signup");
      expect(page.status).toBe(404);
      expect(await countMailsTo(smtp, person.email, "")).toBe(0);
    });
  },
  { env: { TESSERA_SMTP_URL: smtp.url } },
);

describeServer(
  "sign-up when open",
  (server) => {
    it("makes a non-admin account that signs in only once its address is verified", async () => {
      const person = fresh("joiner");
      const client = server.client();
      const answer = await client.request("POST", "/signup", {
        json: { ...person, password: PASSWORD },
      });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ ok: true });
      const mail = await mailTo(smtp, person.email, "Confirm your email address");

      // TESSERA_REQUIRE_VERIFIED_EMAIL is off here: a sign-up must verify all the same.
      const early = await client.request("POST", "/login", {
        json: { name: person.name, password: PASSWORD },
      });
      expect(early.status).toBe(403);
      expect(early.body.code).toBe("email_not_verified");
      const wrong = await client.request("POST", "/login", {
        json: { name: person.name, password: `${PASSWORD}x` },
      });
      expect(wrong.body.code).toBe("invalid_credentials");

      const token = tokenFrom(mail, "/verify-email");
      expect((await client.request("POST", "/email/verify", { json: { token } })).status).toBe(200);
      const signedIn = await client.login(person.name, PASSWORD);
      expect(signedIn.body).toMatchObject({
        name: person.name,
        is_admin: false,
        must_change_password: false,
        email_verified: true,
      });
    });

    it("gives the same answer for a taken address and mails its owner instead", async () => {
      const owner = await server.createUser({});
      const before = await server.tessera.ctx.db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      const answer = await server.client().request("POST", "/signup", {
        json: {
          name: fresh("squatter").name,
          email: owner.email.toUpperCase(),
          password: PASSWORD,
        },
      });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ ok: true });
      const mail = await mailTo(smtp, owner.email, "Someone tried to sign up with your address");
      expect(mail.text).toContain(owner.name);
      expect(mail.text).toContain("Forgot password");
      expect(await countMailsTo(smtp, owner.email, "Confirm your email address")).toBe(0);
      const after = await server.tessera.ctx.db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
    });

    it("gives the same answer for a taken name and asks the address for another", async () => {
      const owner = await server.createUser({});
      const person = fresh("namesake");
      const answer = await server.client().request("POST", "/signup", {
        json: { name: owner.name.toUpperCase(), email: person.email, password: PASSWORD },
      });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ ok: true });
      const mail = await mailTo(smtp, person.email, "Choose another name");
      expect(mail.links.some((link) => new URL(link).pathname === "/signup")).toBe(true);
      expect(await countMailsTo(smtp, owner.email, "")).toBe(0);
    });

    it("caps sign-ups per address: the fourth in an hour gets 429", async () => {
      const person = fresh("eager");
      for (let i = 0; i < 3; i += 1) {
        const answer = await server.client().request("POST", "/signup", {
          json: { name: `${person.name}-${i}`, email: person.email, password: PASSWORD },
        });
        expect(answer.status).toBe(202);
      }
      const capped = await server.client().request("POST", "/signup", {
        json: { name: `${person.name}-4`, email: person.email.toUpperCase(), password: PASSWORD },
      });
      expect(capped.status).toBe(429);
      expect(capped.body.code).toBe("too_many_requests");
    });

    it("applies the name rules and the password policy", async () => {
      const person = fresh("rules");
      const atName = await server.client().request("POST", "/signup", {
        json: { name: person.email, email: person.email, password: PASSWORD },
      });
      expect(atName.status).toBe(400);
      expect(atName.body).toMatchObject({ code: "validation_error", extra: { field: "name" } });
      const weak = await server.client().request("POST", "/signup", {
        json: { ...fresh("weak"), password: "password" },
      });
      expect(weak.status).toBe(400);
      expect(weak.body.code).toBe("password_policy");
      // An extra field is dropped by the schema: a sign-up never makes an admin.
      const hopeful = fresh("admin");
      const extra = await server.client().request("POST", "/signup", {
        json: { ...hopeful, password: PASSWORD, is_admin: true },
      });
      expect(extra.status).toBe(202);
      await mailTo(smtp, hopeful.email, "Confirm your email address");
      const row = await server.tessera.ctx.db
        .selectFrom("users")
        .select("is_admin")
        .where("name", "=", hopeful.name)
        .executeTakeFirstOrThrow();
      expect([false, 0]).toContain(row.is_admin);
    });

    it("refuses a sign-up posted from another origin", async () => {
      const foreign = await server.client().request("POST", "/signup", {
        json: { ...fresh("csrf"), password: PASSWORD },
        origin: "https://evil.example",
      });
      expect(foreign.status).toBe(403);
      expect(foreign.body.code).toBe("csrf");
    });
  },
  { env: { TESSERA_SMTP_URL: smtp.url, TESSERA_SIGNUP: "open" } },
);
