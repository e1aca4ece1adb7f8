/**
 * Forgot password in a real browser (issue 12, part 7): from the sign-in page's "Forgot your
 * password?" link to the mail (a real SMTP server in the test process), through the link in the
 * mail to the new password, and signed in with it; then the security notice's "This wasn't me"
 * link, confirmed, ends the session and leads to the reset page.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/services/users.js";
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

const USER = { name: "robin", email: "robin@example.org", password: "robin's first passphrase" };
const NEW_PASSWORD = "robin's brand new passphrase";

describe.skipIf(skipReason !== null)("forgot password in a browser", () => {
  let smtp: TestSmtpServer;
  let server: E2eServer;
  let browser: Browser;
  const watch: Watch = { foreignRequests: [], cspViolations: [] };
  let tab: { context: BrowserContext; page: Page };

  beforeAll(async () => {
    buildPages();
    smtp = await startTestSmtpServer();
    server = await startE2eServer({ TESSERA_SMTP_URL: smtp.url });
    await createUser(server.app.tessera, null, {
      ...USER,
      isAdmin: false,
      mustChangePassword: false,
    });
    browser = await launchBrowser();
    tab = await newWatchedContext(browser, server.baseUrl, watch);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it("goes from the sign-in page to the mail, to a new password, to signed in", async () => {
    const { page } = tab;
    await page.goto("/");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL("**/reset-password");
    await page.getByLabel("Name or email", { exact: true }).fill(USER.email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await hasText(page.locator("#forgot-message"), /Check your mailbox/);
    await screenshot(page, "forgot-password-sent");

    const mail = await smtp.waitForMail((m) => m.to.includes(USER.email));
    const link = mail.links.find((l) => l.includes("/reset-password#token="));
    expect(link).toBeDefined();
    expect(link?.startsWith(`${server.baseUrl}/reset-password#token=`)).toBe(true);

    await page.goto(link ?? "");
    // The token leaves the address bar at once.
    await page.waitForURL((url) => url.hash === "");
    // The skip link changes the fragment too: that must not reload the page (the token is gone).
    await page.locator(".skip-link").focus();
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.hash === "#main");
    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Set the new password" }).click();
    await visible(page.getByRole("heading", { name: "Password changed" }));
    await screenshot(page, "forgot-password-done");

    await page.getByRole("link", { name: "Sign in" }).click();
    const step = page.locator("#credentials-step");
    await step.getByLabel("Name or email", { exact: true }).fill(USER.name);
    await step.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
    await step.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL("**/account");

    // The same link a second time is refused.
    await page.goto(link ?? "");
    await page.getByLabel("New password", { exact: true }).fill("yet another passphrase 5");
    await page.getByLabel("Confirm new password").fill("yet another passphrase 5");
    await page.getByRole("button", { name: "Set the new password" }).click();
    await hasText(page.locator("#reset-message"), /no longer valid/);
  });

  it("follows the notice's “This wasn't me” link: confirmed, the sessions end", async () => {
    const { page } = tab;
    const notice = await smtp.waitForMail(
      (m) => m.to.includes(USER.email) && /password was reset/.test(m.subject),
    );
    const link = notice.links.find((l) => l.includes("/not-me#token="));
    await page.goto(link ?? "");
    await visible(page.getByRole("heading", { name: "This wasn't me" }));
    // Opening the page changed nothing: still signed in.
    expect((await page.request.get("/me")).status()).toBe(200);
    await page.getByRole("button", { name: /It wasn't me/ }).click();
    await page.waitForURL("**/reset-password");
    expect((await page.request.get("/me")).status()).toBe(401);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
  });
});
