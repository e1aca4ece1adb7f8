/**
 * A passkey-first account in a real browser (issue 24 item 2): an invited person follows the
 * mailed link, chooses "Use a passkey" (a CDP virtual authenticator answers), lands signed in
 * on the account page at the recovery codes, makes a set, sees that the account has no
 * password, and later signs in with the passkey alone. No password is ever typed. A sign-up
 * with "Use a passkey" makes the passkey from the confirmation link.
 */
import { describe, expect, it } from "vitest";
import { createUser } from "../../src/services/account/users.js";
import { linkTo, mailTo } from "../helpers/mail-links.js";
import {
  addControlledAuthenticator,
  waitForConditionalRequest,
  watchConditionalRequests,
  hasCount,
  hasText,
  screenshot,
  skipBrowserTests,
  useE2e,
  visible,
} from "./helpers.js";

const INVITEE = { name: "quinn", email: "quinn@example.org" };
const JOINER = { name: "rowan", email: "rowan@example.org" };

describe.skipIf(skipBrowserTests())("a passkey-first invitation in a browser", () => {
  const e2e = useE2e({ smtp: true, tabs: ["invitee", "joiner"], env: { TESSERA_SIGNUP: "open" } });
  const { invitee, joiner } = e2e.tabs;

  it("lets an invited person finish with a passkey and never type a password", async () => {
    await createUser(e2e.server.app.tessera, null, { ...INVITEE, invite: true });
    const mail = await mailTo(e2e.smtp, INVITEE.email, "You are invited");
    const link = linkTo(mail, "/invitation");
    const { page } = invitee;
    const authenticator = await addControlledAuthenticator(page);
    await watchConditionalRequests(page);
    // Every value the page's fields ever held, to show no password was typed.
    const typed: string[] = [];
    await page.exposeFunction("__tesseraTyped", (value: string) => typed.push(value));
    await page.addInitScript(() => {
      document.addEventListener("input", (event) => {
        const target = event.target as HTMLInputElement;
        if (target.type === "password") {
          void (window as unknown as { __tesseraTyped: (v: string) => void }).__tesseraTyped(
            target.value,
          );
        }
      });
    });

    await page.goto(link.href);
    await hasText(page.locator("#invitation-intro"), /Welcome, quinn\./);
    await screenshot(page, "invitation-passkey-offer");
    await page.getByRole("button", { name: "Use a passkey" }).click();

    // Signed in, on the account page, at the recovery codes.
    await page.waitForURL("**/account#recovery-title");
    await hasText(page.locator("#me-name"), INVITEE.name);
    await hasText(page.locator("#email-status"), "Verified");
    await visible(page.locator("#password-none"));
    await visible(page.getByRole("button", { name: "Add password" }));
    await hasCount(page.locator("#passkey-list li"), 1);
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("recovery-title");
    await page.getByRole("button", { name: "Make recovery codes" }).click();
    await hasCount(page.locator("#recovery-code-list li"), 10);
    await screenshot(page, "invitation-passkey-recovery-codes");

    // Later, on this device: the passkey alone signs in.
    await authenticator.setPresence(false);
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await waitForConditionalRequest(page);
    await authenticator.setPresence(true);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL("**/account");
    await hasText(page.locator("#me-name"), INVITEE.name);

    expect(typed).toEqual([]);
    expect(e2e.watch.foreignRequests).toEqual([]);
    expect(e2e.watch.cspViolations).toEqual([]);
  }, 90_000);

  it("signs up with a passkey made from the confirmation link", async () => {
    const { page } = joiner;
    await addControlledAuthenticator(page);
    await page.goto("/signup");
    await page.getByLabel("Name", { exact: true }).fill(JOINER.name);
    await page.getByLabel("Email", { exact: true }).fill(JOINER.email);
    await page.getByLabel("Use a passkey (no password)").check();
    await expect(page.getByLabel("Password", { exact: true }).isVisible()).resolves.toBe(false);
    await page.getByRole("button", { name: "Create account" }).click();
    await visible(page.locator("#signup-done-passkey"));

    const mail = await mailTo(e2e.smtp, JOINER.email, "Confirm your email address");
    await page.goto(linkTo(mail, "/verify-email").href);
    await page.getByRole("button", { name: "Confirm my address" }).click();
    await page.waitForURL("**/account#recovery-title");
    await hasText(page.locator("#me-name"), JOINER.name);
    await visible(page.locator("#password-none"));
    expect(e2e.watch.foreignRequests).toEqual([]);
    expect(e2e.watch.cspViolations).toEqual([]);
  }, 90_000);
});
