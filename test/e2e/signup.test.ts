/**
 * Sign-up and address verification in a real browser (issue 12, parts 3 and 5): the sign-in
 * page links to `/signup`, the person signs up, is refused at sign-in until the address is
 * verified (with "Send the link again"), follows the link from the mail and signs in.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkTo, mailTo } from "../helpers/mail-links.js";
import { startTestSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";
import {
  browserSkipReason,
  buildPages,
  hasText,
  launchBrowser,
  newWatchedContext,
  screenshot,
  startE2eServer,
  visible,
  type E2eServer,
  type Watch,
} from "./helpers.js";

const skipReason = browserSkipReason();
if (skipReason !== null) console.warn(`[tessera e2e] browser tests skipped: ${skipReason}`);

const PERSON = { name: "kim", email: "kim@example.org", password: "kim's long passphrase" };

describe.skipIf(skipReason !== null)("sign-up in a browser", () => {
  let smtp: TestSmtpServer;
  let server: E2eServer;
  let browser: Browser;
  const watch: Watch = { foreignRequests: [], cspViolations: [] };
  let visitor: { context: BrowserContext; page: Page };

  beforeAll(async () => {
    buildPages();
    smtp = await startTestSmtpServer();
    server = await startE2eServer({ TESSERA_SMTP_URL: smtp.url, TESSERA_SIGNUP: "open" });
    browser = await launchBrowser();
    visitor = await newWatchedContext(browser, server.baseUrl, watch);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it("signs up, is asked to confirm the address, follows the mailed link and signs in", async () => {
    const page = visitor.page;
    await page.goto("/");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL("**/signup");
    await page.getByLabel("Name", { exact: true }).fill(PERSON.name);
    await page.getByLabel("Email", { exact: true }).fill(PERSON.email);
    await page.getByLabel("Password", { exact: true }).fill(PERSON.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await hasText(page.locator("#signup-done-email"), PERSON.email);
    await screenshot(page, "signup-done");
    await mailTo(smtp, PERSON.email, "Confirm your email address");

    // Before the address is confirmed: refused after the password, with "send again".
    await page.goto("/");
    const step = page.locator("#credentials-step");
    await step.getByLabel("Name or email", { exact: true }).fill(PERSON.name);
    await step.getByLabel("Password", { exact: true }).fill(PERSON.password);
    await step.getByRole("button", { name: "Sign in", exact: true }).click();
    await hasText(page.locator("#sign-in-message"), /Confirm your email address first/);
    await page.getByRole("button", { name: "Send the link again" }).click();
    await hasText(page.locator("#resend-message"), /on its way/);
    const mail = await mailTo(smtp, PERSON.email, "Confirm your email address", 2);

    // The link from the newest mail: the page confirms on a click, then sign-in works.
    await page.goto(linkTo(mail, "/verify-email").href);
    expect(new URL(page.url()).hash).toBe("");
    await page.getByRole("button", { name: "Confirm my address" }).click();
    await visible(page.getByRole("heading", { name: "Address confirmed" }));
    await screenshot(page, "verify-email-done");
    await page.goto("/");
    await step.getByLabel("Name or email", { exact: true }).fill(PERSON.email);
    await step.getByLabel("Password", { exact: true }).fill(PERSON.password);
    await step.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL("**/account");
    await hasText(page.locator("#email-status"), "Verified");
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
  });
});
