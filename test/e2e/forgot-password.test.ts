/**
 * Forgot password in a real browser (issue 12, part 7): from the sign-in page's "Forgot your
 * password?" link to the mail (a real SMTP server in the test process), through the link in the
 * mail to the new password, and signed in with it; then the security notice's "This wasn't me"
 * link, confirmed, ends the session and leads to the reset page.
 */
import { describe, expect, it } from "vitest";
import {
  hasText,
  screenshot,
  skipBrowserTests,
  submitCredentials,
  useE2e,
  visible,
} from "./helpers.js";

const USER = { name: "robin", email: "robin@example.org", password: "my first long passphrase" };
const NEW_PASSWORD = "my brand new passphrase";

describe.skipIf(skipBrowserTests())("forgot password in a browser", () => {
  const e2e = useE2e({ smtp: true, users: [USER], tabs: ["tab"] });
  const { tab } = e2e.tabs;

  it("goes from the sign-in page to the mail, to a new password, to signed in", async () => {
    const { page } = tab;
    await page.goto("/");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL("**/reset-password");
    await page.getByLabel("Name or email", { exact: true }).fill(USER.email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await hasText(page.locator("#forgot-message"), /Check your mailbox/);
    await screenshot(page, "forgot-password-sent");

    const mail = await e2e.smtp.waitForMail((m) => m.to.includes(USER.email));
    const link = mail.links.find((l) => l.includes("/reset-password#token="));
    expect(link).toBeDefined();
    expect(link?.startsWith(`${e2e.server.baseUrl}/reset-password#token=`)).toBe(true);

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
    await submitCredentials(page, USER.name, NEW_PASSWORD);
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
    const notice = await e2e.smtp.waitForMail(
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
    expect(e2e.watch.foreignRequests).toEqual([]);
    expect(e2e.watch.cspViolations).toEqual([]);
  });
});
