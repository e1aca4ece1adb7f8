/**
 * An invitation in a real browser (issue 12, part 7): an admin invites someone from the admin
 * page, the mail arrives at a real SMTP server in the test process, the invitee's browser
 * follows the link from the mail, chooses a password and ends signed in on the account page.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/services/users.js";
import { linkTo, mailTo } from "../helpers/mail-links.js";
import { startTestSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";
import {
  browserSkipReason,
  buildPages,
  containsText,
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

const ADMIN = { name: "chief", email: "chief@example.org", password: "the chief's passphrase" };
const INVITEE = { name: "robin", email: "robin@example.org", password: "robin's own long phrase" };

describe.skipIf(skipReason !== null)("an invitation in a browser", () => {
  let smtp: TestSmtpServer;
  let server: E2eServer;
  let browser: Browser;
  const watch: Watch = { foreignRequests: [], cspViolations: [] };
  let admin: { context: BrowserContext; page: Page };
  let invitee: { context: BrowserContext; page: Page };

  beforeAll(async () => {
    buildPages();
    smtp = await startTestSmtpServer();
    server = await startE2eServer({ TESSERA_SMTP_URL: smtp.url });
    await createUser(server.app.tessera, null, {
      ...ADMIN,
      isAdmin: true,
      mustChangePassword: false,
    });
    browser = await launchBrowser();
    admin = await newWatchedContext(browser, server.baseUrl, watch);
    invitee = await newWatchedContext(browser, server.baseUrl, watch);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it("goes from the admin's invitation to the invitee signed in", async () => {
    // The admin invites from the admin page: no password, "Send invitation".
    const page = admin.page;
    await page.goto("/");
    const step = page.locator("#credentials-step");
    await step.getByLabel("Name or email", { exact: true }).fill(ADMIN.name);
    await step.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await step.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL("**/account");
    await page.goto("/admin");
    const form = page.locator("#create-user-form");
    await form.getByLabel("Name", { exact: true }).fill(INVITEE.name);
    await form.getByLabel("Email", { exact: true }).fill(INVITEE.email);
    await form.getByLabel("Send invitation").check();
    await expect(form.getByLabel("Initial password", { exact: true }).isVisible()).resolves.toBe(
      false,
    );
    await form.getByRole("button", { name: "Create user" }).click();
    await hasText(
      page.locator("#create-user-message"),
      /sent the invitation to robin@example\.org/,
    );
    const item = page.locator("#user-list li", { hasText: INVITEE.email });
    await containsText(item, "Invited");
    await visible(
      item.getByRole("button", { name: `Send again the invitation of ${INVITEE.name}` }),
    );
    await screenshot(page, "invitation-admin");

    // The mail arrives; the invitee's browser follows its link.
    const mail = await mailTo(smtp, INVITEE.email, "You are invited");
    const link = linkTo(mail, "/invitation");
    expect(link.origin).toBe(server.baseUrl);
    const browserPage = invitee.page;
    await browserPage.goto(link.href);
    await hasText(browserPage.locator("#invitation-intro"), /Welcome, robin\./);
    // The token left the address bar once read.
    expect(new URL(browserPage.url()).hash).toBe("");
    await browserPage.getByLabel("Password", { exact: true }).fill(INVITEE.password);
    await browserPage.getByLabel("Confirm password", { exact: true }).fill(INVITEE.password);
    await screenshot(browserPage, "invitation-choose-password");
    await browserPage.getByRole("button", { name: "Set password and sign in" }).click();

    // Signed in, on the account page, with a verified address.
    await browserPage.waitForURL("**/account");
    await hasText(browserPage.locator("#me-name"), INVITEE.name);
    await hasText(browserPage.locator("#email-status"), "Verified");
    await screenshot(browserPage, "invitation-signed-in");

    // The link is spent; the admin page no longer offers "Send again".
    const second = await invitee.context.newPage();
    await second.goto(link.href);
    await hasText(second.locator("#invitation-problem"), /does not work any more/);
    await page.reload();
    await visible(page.locator("#user-list li", { hasText: INVITEE.email }));
    await expect(
      page
        .locator("#user-list li", { hasText: INVITEE.email })
        .getByRole("button", { name: /Send again/ })
        .count(),
    ).resolves.toBe(0);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
  });
});
