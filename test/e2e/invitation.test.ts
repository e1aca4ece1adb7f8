/**
 * An invitation in a real browser (issue 12, part 7): an admin invites someone from the admin
 * page, the mail arrives at a real SMTP server in the test process, the invitee's browser
 * follows the link from the mail, chooses a password and ends signed in on the account page.
 */
import { describe, expect, it } from "vitest";
import { linkTo, mailTo } from "../helpers/mail-links.js";
import {
  containsText,
  hasText,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  visible,
} from "./helpers.js";

const ADMIN = {
  name: "chief",
  email: "chief@example.org",
  password: "the head admin's passphrase",
};
const INVITEE = {
  name: "robin",
  email: "robin@example.org",
  password: "my own long invited phrase",
};

describe.skipIf(skipBrowserTests())("an invitation in a browser", () => {
  const e2e = useE2e({
    smtp: true,
    users: [{ ...ADMIN, isAdmin: true }],
    tabs: ["admin", "invitee"],
  });
  const { admin, invitee } = e2e.tabs;

  it("goes from the admin's invitation to the invitee signed in", async () => {
    // The admin invites from the admin page: no password, "Send invitation".
    const page = admin.page;
    await signIn(page, ADMIN.name, ADMIN.password);
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
    const mail = await mailTo(e2e.smtp, INVITEE.email, "You are invited");
    const link = linkTo(mail, "/invitation");
    expect(link.origin).toBe(e2e.server.baseUrl);
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
    expect(e2e.watch.foreignRequests).toEqual([]);
    expect(e2e.watch.cspViolations).toEqual([]);
  });
});
