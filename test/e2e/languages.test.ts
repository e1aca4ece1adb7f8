/**
 * A German-speaking person (issue 24 item 3, "done when"): the sign-in page, the API's errors
 * (same code, German `detail`), the account page and the reset mail in German, from the
 * browser's Accept-Language alone. Then the account page's language choice is saved with the
 * account: the pages reload in it, and another browser that asks for English gets it after
 * signing in. The words are read from the catalogues, so a retranslation does not break this.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import de from "../../src/contract/messages/de.json" with { type: "json" };
import fr from "../../src/contract/messages/fr.json" with { type: "json" };
import {
  hasText,
  screenshot,
  skipBrowserTests,
  submitCredentials,
  useE2e,
  visible,
} from "./helpers.js";

const USER = { name: "greta", email: "greta@example.org", password: "eine lange Passphrase 7" };

describe.skipIf(skipBrowserTests())("the pages, errors and mails in the person's language", () => {
  const e2e = useE2e({ smtp: true, users: [USER], tabs: [] });
  const contexts: BrowserContext[] = [];
  afterAll(async () => {
    for (const context of contexts) await context.close();
  });

  /** A browser whose language is `locale` (Chromium sends it as Accept-Language). */
  async function browserIn(locale: string): Promise<Page> {
    const context = await e2e.browser.newContext({ baseURL: e2e.server.baseUrl, locale });
    contexts.push(context);
    return context.newPage();
  }

  it("shows a German browser the sign-in page, the errors, the account page and the reset mail in German", async () => {
    const page = await browserIn("de-DE");
    await page.goto("/");
    expect(await page.locator("html").getAttribute("lang")).toBe("de");
    await visible(page.getByRole("heading", { name: de["sign_in.title"] }));
    expect(await page.title()).toContain(de["sign_in.title"]);

    // The API's error: the same code, its detail in German.
    const refused = await page.request.post("/login", {
      headers: { origin: e2e.server.baseUrl, "accept-language": "de-DE,de;q=0.9" },
      data: { name: USER.name, password: "not the password" },
    });
    expect(refused.status()).toBe(400);
    expect(refused.headers()["content-language"]).toBe("de");
    expect(await refused.json()).toMatchObject({
      code: "invalid_credentials",
      detail: de["error.invalid_credentials"],
    });

    // The page's own words for the same refusal.
    const step = page.locator("#credentials-step");
    await step.getByLabel(de["sign_in.name_label"], { exact: true }).fill(USER.name);
    await step.getByLabel(de["sign_in.password_label"], { exact: true }).fill("not the password");
    await step.getByRole("button", { name: de["sign_in.submit"], exact: true }).click();
    await hasText(page.locator("#sign-in-message"), de["common.error_wrong_credentials"]);

    await step.getByLabel(de["sign_in.password_label"], { exact: true }).fill(USER.password);
    await step.getByRole("button", { name: de["sign_in.submit"], exact: true }).click();
    await page.waitForURL("**/account");
    await visible(page.getByRole("heading", { name: de["account.language_title"] }));
    expect(await page.title()).toContain(de["account.title"]);
    await screenshot(page, "languages-account-de");

    // Forgot the password: the mail comes in German.
    await page.goto("/reset-password");
    await page.getByLabel(de["reset_password.name_label"], { exact: true }).fill(USER.email);
    await page.getByRole("button", { name: de["reset_password.send_link"] }).click();
    const mail = await e2e.smtp.waitForMail((m) => m.to.includes(USER.email));
    expect(mail.subject).toContain(de["mail.reset_subject"]);
    expect(mail.text).toContain(de["mail.reset_action"]);
  });

  it("keeps the language chosen on the account page, on this browser and on another one", async () => {
    const page = await browserIn("de-DE");
    await page.goto("/");
    await submitCredentialsIn(page, de);
    await page.waitForURL("**/account");
    await page.locator("#account-locale").selectOption("fr");
    // Saved, then the page comes back in French.
    await page.waitForFunction(() => document.documentElement.lang === "fr");
    await visible(page.getByRole("heading", { name: fr["account.language_title"] }));
    const me = (await (await page.request.get("/me")).json()) as { locale: string | null };
    expect(me.locale).toBe("fr");

    // Another browser, in English: after signing in, the saved language wins.
    const other = await browserIn("en-GB");
    await other.goto("/");
    expect(await other.locator("html").getAttribute("lang")).toBe("en");
    await submitCredentials(other, USER.name, USER.password);
    await other.waitForURL("**/account");
    await other.waitForFunction(() => document.documentElement.lang === "fr");
    await visible(other.getByRole("heading", { name: fr["account.language_title"] }));
  });

  async function submitCredentialsIn(page: Page, words: typeof de): Promise<void> {
    const step = page.locator("#credentials-step");
    await step.getByLabel(words["sign_in.name_label"], { exact: true }).fill(USER.name);
    await step.getByLabel(words["sign_in.password_label"], { exact: true }).fill(USER.password);
    await step.getByRole("button", { name: words["sign_in.submit"], exact: true }).click();
  }
});
