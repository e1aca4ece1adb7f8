/**
 * The account page's email section tells the truth about mail (issue 18, item 8): the first
 * admin's default address (`admin@tessera.invalid`) can never receive mail, so the page asks
 * for a real one and never says a link was sent; an account made without a mail is offered a
 * link, not told to open one; once a link is queued, the page says so.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { DEFAULT_ADMIN_EMAIL } from "../../src/config/index.js";
import { mailTo } from "../helpers/mail-links.js";
import {
  hasText,
  hidden,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  visible,
} from "./helpers.js";

const FIRST_ADMIN = {
  name: "admin",
  email: DEFAULT_ADMIN_EMAIL,
  password: "the first operator passphrase",
  isAdmin: true,
};
const PERSON = { name: "noor", email: "noor@example.org", password: "her own long passphrase" };

/** Every visible sentence of the email section. */
async function emailSectionText(page: Page): Promise<string> {
  const section = page.locator("section", { has: page.locator("#email-title") });
  return (await section.innerText()).replace(/\s+/g, " ");
}

describe.skipIf(skipBrowserTests())("the account page's email address", () => {
  const e2e = useE2e({ smtp: true, users: [FIRST_ADMIN, PERSON], tabs: ["admin", "person"] });
  const { admin, person } = e2e.tabs;

  it("asks the first admin for a real address, without claiming a mail was sent", async () => {
    const page = admin.page;
    await signIn(page, FIRST_ADMIN.name, FIRST_ADMIN.password);
    await page.waitForURL("**/account");
    await hasText(page.locator("#email-address"), DEFAULT_ADMIN_EMAIL);
    await visible(page.locator("#email-undeliverable"));
    await hidden(page.locator("#email-unverified"));
    await screenshot(page, "account-first-admin-email");
    const text = await emailSectionText(page);
    expect(text).toContain("This address cannot receive mail");
    expect(text).not.toMatch(/we sent|on its way|send the link again/i);

    // A real address: now a link was queued, and the page says so.
    await page.getByLabel("New email address").fill("admin@example.org");
    await page.getByRole("button", { name: "Change email address" }).click();
    await hasText(
      page.locator("#email-message"),
      "Your address is now admin@example.org. Open the link we sent there to confirm it.",
    );
    await hidden(page.locator("#email-undeliverable"));
    await visible(page.locator("#email-link-sent"));
    await mailTo(e2e.smtp, "admin@example.org", "Confirm your email address");
    expect(e2e.watch.cspViolations).toEqual([]);
  });

  it("offers a link to an account that was never sent one, and says so once one is queued", async () => {
    const page = person.page;
    await signIn(page, PERSON.name, PERSON.password);
    await page.waitForURL("**/account");
    await visible(page.locator("#email-link-none"));
    await hidden(page.locator("#email-link-sent"));
    expect(await emailSectionText(page)).not.toMatch(/we sent/i);
    await page.getByRole("button", { name: "Send a link" }).click();
    await hasText(page.locator("#email-message"), `A new link is on its way to ${PERSON.email}.`);
    await mailTo(e2e.smtp, PERSON.email, "Confirm your email address");
    // A fresh load reads it from the server.
    await page.reload();
    await visible(page.locator("#email-link-sent"));
    await hidden(page.locator("#email-link-none"));
    await visible(page.getByRole("button", { name: "Send the link again" }));
  });
});
