/**
 * Every mail in every language (issue 24 item 3): rendered in the pseudo-language (`en-XA`),
 * no visible word may stand outside ⟦…⟧ (every word came from a catalogue) once the parts
 * that are not words of ours are taken out: the app's name in the footer, links, markup. In
 * each shipped language every mail renders, and differs from English where the language does.
 */
import { describe, expect, it } from "vitest";
import {
  LOCALES,
  PSEUDO_CLOSE,
  PSEUDO_LOCALE,
  PSEUDO_OPEN,
  translate,
} from "../../../src/core/i18n.js";
import type { ServiceSettings } from "../../../src/services/context.js";
import {
  emailChangedNoticeMail,
  invitationMail,
  passwordResetMail,
  signupAddressTakenMail,
  signupNameTakenMail,
  verifyEmailMail,
} from "../../../src/services/mail/account-mails.js";
import { securityNoticeMail, type SecurityEvent } from "../../../src/services/mail/notices.js";
import { composeMail, mailLocale, type MailContent } from "../../../src/services/mail/templates.js";

const APP = "Acme Portal";
const settings = {
  appName: APP,
  publicUrl: "https://auth.example.com",
  defaultLocale: "en",
} as unknown as ServiceSettings;
const TOKEN = "A".repeat(43);
const AT_MS = Date.UTC(2026, 0, 2, 3, 4, 5);
const META = { ip: "192.0.2.1", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0" };
const EVENTS: readonly SecurityEvent[] = [
  "password_changed",
  "password_reset",
  "totp_enabled",
  "totp_disabled",
  "passkey_added",
  "passkey_removed",
  "recovery_codes_used",
  "recovery_codes_renewed",
  "account_locked",
  "new_device_sign_in",
];
const BY_ADMINISTRATOR: readonly SecurityEvent[] = [
  "password_changed",
  "password_reset",
  "totp_enabled",
  "totp_disabled",
  "passkey_removed",
  "account_locked",
];

/** Every mail template with every variant, in `locale`. */
function everyMail(locale: string): Array<[string, MailContent]> {
  const mails: Array<[string, MailContent]> = [
    [
      "frame",
      composeMail(settings, translate(locale, "mail.sign_in_action"), { paragraphs: [] }, locale),
    ],
    [
      "verify",
      verifyEmailMail(settings, {
        name: "ada",
        email: "ada@example.org",
        token: TOKEN,
        validityMs: 48 * 3_600_000,
        locale,
      }),
    ],
    [
      "invitation",
      invitationMail(settings, { name: "ada", token: TOKEN, validityMs: 72 * 3_600_000, locale }),
    ],
    ["signup name", signupNameTakenMail(settings, { name: "ada", locale })],
  ];
  for (const hasPassword of [true, false]) {
    mails.push(
      [
        `reset ${hasPassword}`,
        passwordResetMail(settings, {
          name: "ada",
          token: TOKEN,
          validityMs: 30 * 60_000,
          hasPassword,
          locale,
        }),
      ],
      [
        `signup address ${hasPassword}`,
        signupAddressTakenMail(settings, { name: "ada", hasPassword, locale }),
      ],
    );
    for (const byAdmin of [true, false]) {
      mails.push([
        `email changed ${hasPassword} ${byAdmin}`,
        emailChangedNoticeMail(settings, {
          name: "ada",
          oldEmail: "old@example.org",
          newEmail: "new@example.org",
          byAdmin,
          hasPassword,
          locale,
        }),
      ]);
    }
    for (const event of EVENTS) {
      for (const userAgent of [META.userAgent, null, "curl/8"]) {
        mails.push([
          `${event} ${hasPassword} ${userAgent}`,
          securityNoticeMail(settings, {
            name: "ada",
            event,
            atMs: AT_MS,
            meta: { ...META, userAgent },
            notMeToken: TOKEN,
            hasPassword,
            locale,
          }),
        ]);
      }
    }
  }
  for (const event of BY_ADMINISTRATOR) {
    mails.push([
      `${event} by administrator`,
      securityNoticeMail(settings, {
        name: "ada",
        event,
        atMs: AT_MS,
        by: "administrator",
        locale,
      }),
    ]);
  }
  return mails;
}

/** The text outside every ⟦…⟧ (nested ones included). */
function outsideBrackets(text: string): string {
  let depth = 0;
  let out = "";
  for (const char of text) {
    if (char === PSEUDO_OPEN) depth += 1;
    else if (char === PSEUDO_CLOSE) depth = Math.max(0, depth - 1);
    else if (depth === 0) out += char;
  }
  return out;
}

/** What a reader sees of a mail part, without what is not ours to translate. */
function visibleWords(part: string): string {
  return outsideBrackets(
    part
      .replace(/<!DOCTYPE[^>]*>/gi, "")
      .replace(/<[^>]+>/g, " ")
      .replace(/&(?:[a-z]+|#\d+);/gi, " ")
      .replace(/https?:\/\/\S+/g, " ")
      .replaceAll(APP, " "),
  );
}

describe("mail languages", () => {
  it("take every word from the catalogue (pseudo-language)", () => {
    const mails = everyMail(PSEUDO_LOCALE);
    expect(mails.length).toBeGreaterThan(60);
    for (const [name, mail] of mails) {
      for (const [part, text] of Object.entries(mail)) {
        const left = visibleWords(text);
        expect(left, `${name} ${part}: ${left}`).not.toMatch(/\p{L}/u);
        expect(text, `${name} ${part}`).toContain(PSEUDO_OPEN);
      }
    }
  });

  it("render in every shipped language, other than English where it is not English", () => {
    const english = new Map(everyMail("en"));
    for (const locale of LOCALES) {
      for (const [name, mail] of everyMail(locale)) {
        expect(mail.text, `${locale} ${name}`).not.toContain(PSEUDO_OPEN);
        if (locale !== "en" && name !== "frame") {
          expect(mail.text, `${locale} ${name}`).not.toBe(english.get(name)?.text);
        }
      }
    }
  });

  it("write dates with Intl in the mail's language", () => {
    const notice = (locale: string) =>
      securityNoticeMail(settings, {
        name: "ada",
        event: "account_locked",
        atMs: AT_MS,
        by: "administrator",
        locale,
      }).text;
    expect(notice("de")).toContain("2. Januar 2026");
    expect(notice("fr")).toContain("2 janvier 2026");
    expect(notice("es")).toContain("2 de enero de 2026");
    expect(notice("en")).toContain("January 2, 2026");
  });

  it("choose the saved language, then the request's, then the default", () => {
    expect(mailLocale(settings, { locale: "de" }, { ip: "x", userAgent: null, locale: "fr" })).toBe(
      "de",
    );
    expect(mailLocale(settings, { locale: null }, { ip: "x", userAgent: null, locale: "fr" })).toBe(
      "fr",
    );
    expect(mailLocale(settings, { locale: "xx" }, null)).toBe("en");
    expect(mailLocale({ ...settings, defaultLocale: "es" }, null, null)).toBe("es");
  });
});
