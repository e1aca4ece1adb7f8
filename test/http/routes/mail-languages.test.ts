/**
 * Mails in the recipient's language (issue 24 item 3) through a real server and SMTP server:
 * the saved language first, else the Accept-Language of the request that caused the mail.
 */
import { afterAll, describe, expect, it } from "vitest";
import { setUserLocale } from "../../../src/store/index.js";
import { describeServer } from "../../helpers/routes.js";
import { startTestSmtpServer } from "../../helpers/smtp.js";

const smtp = await startTestSmtpServer();
afterAll(() => smtp.close());

const mailTo = (address: string) => smtp.waitForMail((m) => m.to.includes(address.toLowerCase()));

describeServer(
  "mail languages",
  (server) => {
    describe("the reset mail", () => {
      it("speaks the saved language, whatever the request's", async () => {
        const user = await server.createUser({});
        await setUserLocale(server.tessera.ctx.db, user.id, "de", server.clock());
        const asked = await server.client().request("POST", "/password/forgot", {
          json: { name: user.name },
          headers: { "accept-language": "fr" },
        });
        expect(asked.status).toBe(202);
        const mail = await mailTo(user.email);
        expect(mail.subject).toBe("Tessera: Wählen Sie ein neues Passwort");
        expect(mail.text).toContain(`Hallo ${user.name},`);
        expect(mail.text).toContain("30 Minuten");
        expect(mail.html).toContain("Neues Passwort wählen");
      });

      it("speaks the request's Accept-Language to someone without a saved one", async () => {
        const user = await server.createUser({});
        const asked = await server.client().request("POST", "/password/forgot", {
          json: { name: user.name },
          headers: { "accept-language": "fr-CH, de;q=0.5" },
        });
        expect(asked.status).toBe(202);
        const mail = await mailTo(user.email);
        expect(mail.subject).toBe("Tessera : Choisissez un nouveau mot de passe");
        expect(mail.text).toContain(`Bonjour ${user.name},`);
        expect(mail.text).toContain("30 minutes");
      });

      it("stays English without either", async () => {
        const user = await server.createUser({});
        await server.client().request("POST", "/password/forgot", { json: { name: user.name } });
        expect((await mailTo(user.email)).subject).toBe("Tessera: Choose a new password");
      });
    });
  },
  { env: { TESSERA_SMTP_URL: smtp.url } },
);
