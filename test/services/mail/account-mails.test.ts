/**
 * The account flows' mails (src/services/mail/account-mails.ts): each names what happened,
 * links into the public URL with the token in the fragment, and escapes what a user chose.
 */
import { describe, expect, it } from "vitest";
import type { ServiceSettings } from "../../../src/services/context.js";
import {
  emailChangedNoticeMail,
  invitationMail,
  signupAddressTakenMail,
  signupNameTakenMail,
  verifyEmailMail,
} from "../../../src/services/mail/account-mails.js";

const settings = {
  appName: "Acme",
  publicUrl: "https://auth.example.com",
} as unknown as ServiceSettings;
const NAME = "<b>eve</b>";
const TOKEN = "A".repeat(43);

describe("account mails", () => {
  it("link to the verification and invitation pages with the token in the fragment", () => {
    const verify = verifyEmailMail(settings, {
      name: "ada",
      email: "ada@example.org",
      token: TOKEN,
      validityMs: 48 * 3_600_000,
    });
    expect(verify.subject).toBe("Acme: Confirm your email address");
    expect(verify.text).toContain(`https://auth.example.com/verify-email#token=${TOKEN}`);
    expect(verify.text).toContain("2 days");
    const invite = invitationMail(settings, {
      name: "ada",
      token: TOKEN,
      validityMs: 72 * 3_600_000,
    });
    expect(invite.subject).toBe("Acme: You are invited to Acme");
    expect(invite.text).toContain(`https://auth.example.com/invitation#token=${TOKEN}`);
    expect(invite.text).toContain("3 days");
  });

  it("escape the names people choose in the HTML", () => {
    for (const mail of [
      invitationMail(settings, { name: NAME, token: TOKEN, validityMs: 1 }),
      signupAddressTakenMail(settings, { name: NAME }),
      signupNameTakenMail(settings, { name: NAME }),
      emailChangedNoticeMail(settings, {
        name: NAME,
        oldEmail: "a@example.org",
        newEmail: "<i>@example.org",
        byAdmin: true,
      }),
    ]) {
      expect(mail.html).not.toContain("<b>");
      expect(mail.html).not.toContain("<i>");
      expect(mail.html).toContain("&lt;b&gt;eve&lt;/b&gt;");
    }
  });

  it("say who changed an address, and tell the owner of a taken address how to get in", () => {
    const notice = emailChangedNoticeMail(settings, {
      name: "ada",
      oldEmail: "old@example.org",
      newEmail: "new@example.org",
      byAdmin: false,
    });
    expect(notice.text).toContain("from old@example.org to new@example.org.");
    expect(notice.text).not.toContain("administrator made");
    const taken = signupAddressTakenMail(settings, { name: "ada" });
    expect(taken.text).toContain('your account "ada"');
    expect(taken.text).toContain("Forgot password");
    expect(taken.text).toContain("https://auth.example.com/");
  });
});
