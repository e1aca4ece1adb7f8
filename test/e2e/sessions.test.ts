/**
 * "Where you're signed in" in a real browser (issue 10): one user signs in from two browser
 * contexts, ends the other session from the account page, and the other context is signed
 * out; an admin sees the user's session count and ends the remaining one.
 */
import type { Page } from "playwright-core";
import { describe, it } from "vitest";
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

const USER = { name: "sam", email: "sam@example.org", password: "sam's long passphrase" };
const ADMIN = { name: "boss", email: "boss@example.org", password: "the manager's passphrase" };

describe.skipIf(skipBrowserTests())("sessions in a browser", () => {
  const e2e = useE2e({
    users: [USER, { ...ADMIN, isAdmin: true }],
    tabs: ["laptop", "phone", "admin"],
  });
  const { laptop, phone, admin } = e2e.tabs;

  async function signInToAccount(page: Page, name: string, password: string): Promise<void> {
    await signIn(page, name, password);
    await page.waitForURL("**/account");
  }

  async function expectSignedOut(page: Page): Promise<void> {
    await page.goto("/account");
    await page.waitForURL((url) => url.pathname === "/" && url.search === "?next=%2Faccount");
    await visible(page.getByRole("heading", { name: "Sign in" }));
  }

  it("lists both sessions and signs the other one out from the account page", async () => {
    await signInToAccount(laptop.page, USER.name, USER.password);
    await signInToAccount(phone.page, USER.name, USER.password);
    await laptop.page.goto("/account");
    const list = laptop.page.locator("#session-list li");
    await hasCount(list, 2);
    await containsText(list.first(), "This device");
    await containsText(list.first(), "Signed in with password");
    await screenshot(laptop.page, "sessions-two");

    const other = list.filter({ hasNotText: "This device" });
    await other.getByRole("button", { name: /^Sign out/ }).click();
    await hasText(laptop.page.locator("#sessions-message"), /signed out/);
    await hasCount(list, 1);
    await expectSignedOut(phone.page);
    await screenshot(phone.page, "sessions-other-signed-out");
  });

  it("signs every other session out with one button", async () => {
    await signInToAccount(phone.page, USER.name, USER.password);
    await laptop.page.goto("/account");
    await hasCount(laptop.page.locator("#session-list li"), 2);
    await laptop.page.getByRole("button", { name: "Sign out of all other sessions" }).click();
    await hasText(laptop.page.locator("#sessions-message"), /1 other session signed out/);
    await hasCount(laptop.page.locator("#session-list li"), 1);
    await expectSignedOut(phone.page);
  });

  it("shows an admin the user's session count and lets them end the sessions", async () => {
    await signInToAccount(admin.page, ADMIN.name, ADMIN.password);
    await admin.page.goto("/admin");
    const item = admin.page.locator("#user-list li", { hasText: USER.email });
    await containsText(item, "1 session");
    await screenshot(admin.page, "admin-sessions");
    await item.getByRole("button", { name: `End sessions ${USER.name}` }).click();
    await item.getByRole("button", { name: "End sessions", exact: true }).click();
    await hasText(admin.page.locator("#users-message"), /signed out everywhere/);
    await expectSignedOut(laptop.page);
  });
});
