/**
 * "Access tokens" on the account page in a real browser (issue 23, "done when"): a person makes
 * a scoped token, a script uses it, and it stops working the moment it is revoked on the page.
 */
import { describe, expect, it } from "vitest";
import {
  containsText,
  hasCount,
  hasText,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  visible,
} from "./helpers.js";

const USER = {
  name: "riley",
  email: "riley@example.org",
  password: "a long enough passphrase for scripts",
};

describe.skipIf(skipBrowserTests())("access tokens in a browser", () => {
  const e2e = useE2e({ users: [USER], tabs: ["laptop"] });
  const { laptop } = e2e.tabs;

  it("makes a token shown once, which a script uses until it is revoked", async () => {
    const page = laptop.page;
    await signIn(page, USER.name, USER.password);
    await page.waitForURL("**/account");
    await visible(page.getByRole("heading", { name: "Access tokens" }));
    await hasText(page.locator("#token-empty"), "No access tokens.");
    await page.getByLabel("Token name").fill("Backup script");
    await page.getByLabel(/^sessions:read/).check();
    await page.getByRole("button", { name: "Make token" }).click();
    await visible(page.getByRole("heading", { name: "Copy your new token" }));
    const token = (await page.locator("#token-secret").textContent()) ?? "";
    expect(token).toMatch(/^tsr_pat_[0-9A-Za-z]{49}$/);
    const list = page.locator("#token-list li");
    await hasCount(list, 1);
    await containsText(list.first(), "profile:read, sessions:read");
    await screenshot(page, "access-token-made");

    const script = (path: string) =>
      fetch(`${e2e.server.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await script("/me")).status).toBe(200);

    await page.getByRole("button", { name: "Done" }).click();
    await list.first().getByRole("button", { name: "Revoke Backup script" }).click();
    await list.first().getByRole("button", { name: "Revoke", exact: true }).click();
    await hasText(page.locator("#tokens-message"), /revoked/);
    await hasCount(list, 0);
    expect((await script("/me")).status).toBe(401);
  });
});
