/**
 * Issue 11 items 5 and 6 (and the pages' part of item 1) in a real browser: the app name in
 * the header and title, the password strength meter on the admin, sign-in and account pages,
 * confirmations naming the user, locking from the admin page (the locked user is then refused
 * at sign-in with the message) and unlocking, and the otpauth:// link of the TOTP enrolment on
 * a phone. One server (with TESSERA_APP_NAME set) and one browser; the tests run in order.
 */
import { describe, expect, it } from "vitest";
import {
  containsText,
  hasCount,
  hasText,
  hidden,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  visible,
} from "./helpers.js";

const APP_NAME = "Acme & <Co>";
const ADMIN = {
  name: "root",
  email: "root@example.org",
  password: "the operator's long passphrase",
};
const DAVE = { name: "dave", email: "dave@example.org", initial: "a first long passphrase 9" };
const STRONG = "violet tractor umbrella 1987 quiet";

describe.skipIf(skipBrowserTests())("admin controls and pages in a browser", () => {
  const e2e = useE2e({
    env: { TESSERA_APP_NAME: APP_NAME },
    users: [{ ...ADMIN, isAdmin: true }],
    tabs: ["admin", "dave"],
  });
  const { admin, dave } = e2e.tabs;

  const daveRow = () => admin.page.locator("#user-list li", { hasText: DAVE.email });

  it("shows the configured app name, as text, in the header and the title", async () => {
    const { page } = admin;
    await page.goto("/");
    await visible(page.getByRole("heading", { name: "Sign in" }));
    expect(await page.title()).toBe(`Sign in · ${APP_NAME}`);
    await hasText(page.locator(".brand"), APP_NAME);
    await signIn(page, ADMIN.name, ADMIN.password);
    await page.waitForURL("**/account");
    expect(await page.title()).toBe(`Your account · ${APP_NAME}`);
    await hasText(page.locator(".brand"), APP_NAME);
  });

  it("shows the strength of an initial password and why it is refused, before submitting", async () => {
    const { page } = admin;
    await page.goto("/admin");
    expect(await page.title()).toBe(`Users · ${APP_NAME}`);
    const form = page.locator("#create-user-form");
    await form.getByLabel("Name", { exact: true }).fill(DAVE.name);
    await form.getByLabel("Email").fill(DAVE.email);
    const password = form.getByLabel("Initial password", { exact: true });
    const meter = page.locator("#new-password-strength");
    await hidden(meter);
    await password.fill("password");
    await visible(meter);
    const text = page.locator("#new-password-strength-text");
    await hasText(text, /^Strength: Very weak\. .+/);
    expect(await meter.getAttribute("data-acceptable")).toBe("false");
    expect(await page.locator("#new-password-strength-meter").getAttribute("value")).toBe("0");
    // The input names the meter's sentence for screen readers.
    expect(await password.getAttribute("aria-describedby")).toContain("new-password-strength-text");
    await screenshot(page, "admin-strength-weak");

    await password.fill(STRONG);
    await hasText(text, /This password will be accepted\.$/);
    expect(await meter.getAttribute("data-acceptable")).toBe("true");
    await password.fill(DAVE.initial);
    await hasText(text, /This password will be accepted\.$/);
    await form.getByRole("button", { name: "Create user" }).click();
    await hasText(page.locator("#create-user-message"), /Created dave/);
    // The form was reset: its meter is gone with the password.
    await hidden(meter);
  });

  it("asks for confirmation naming the user before making and unmaking an admin", async () => {
    const { page } = admin;
    const row = daveRow();
    await row.getByRole("button", { name: "Make admin dave" }).click();
    await containsText(row, "Make dave an admin?");
    await screenshot(page, "admin-promote-confirm");
    await row.getByRole("button", { name: "Cancel" }).click();
    await visible(row.getByRole("button", { name: "Make admin dave" }));
    expect(await row.textContent()).not.toContain("Admin");

    await row.getByRole("button", { name: "Make admin dave" }).click();
    await row.getByRole("button", { name: "Make admin", exact: true }).click();
    await hasText(page.locator("#users-message"), "dave is now an admin.");
    await visible(daveRow().locator(".badge", { hasText: "Admin" }));

    await daveRow().getByRole("button", { name: "Remove admin dave" }).click();
    await containsText(daveRow(), "Remove the admin rights of dave?");
    await daveRow().getByRole("button", { name: "Remove admin", exact: true }).click();
    await hasText(page.locator("#users-message"), "dave is no longer an admin.");
    await hasCount(daveRow().locator(".badge", { hasText: "Admin" }), 0);
  });

  it("locks a user from the admin page with a reason; the user is refused at sign-in with the message", async () => {
    const { page } = admin;
    await daveRow().getByRole("button", { name: "Lock dave" }).click();
    await containsText(daveRow(), "Lock dave? They are signed out everywhere at once");
    // The reason is required.
    await daveRow().getByRole("button", { name: "Lock account" }).click();
    await containsText(page.locator("#users-message"), "Reason for locking dave");
    await daveRow().getByLabel("Reason for locking dave").fill("left the company");
    await screenshot(page, "admin-lock-form");
    await daveRow().getByRole("button", { name: "Lock account" }).click();
    await hasText(page.locator("#users-message"), "dave is locked and signed out everywhere.");
    await visible(daveRow().locator(".badge", { hasText: "Locked" }));
    await containsText(daveRow(), "Locked until unlocked: left the company");
    await screenshot(page, "admin-locked");

    await signIn(dave.page, DAVE.email, DAVE.initial);
    const message = dave.page.locator("#sign-in-message");
    await hasText(message, "This account is locked. Contact an administrator.");
    // The admin's reason is not shown to the user.
    expect(await dave.page.content()).not.toContain("left the company");
    await screenshot(dave.page, "sign-in-locked");
    // A wrong password says nothing about the lock.
    await signIn(dave.page, DAVE.email, "not dave's password");
    await hasText(message, "Wrong name or password.");

    await daveRow().getByRole("button", { name: "Unlock dave" }).click();
    await hasText(page.locator("#users-message"), "dave is unlocked and can sign in again.");
    await hasCount(daveRow().locator(".badge", { hasText: "Locked" }), 0);
  });

  it("locks until a time and shows the end to the user", async () => {
    const { page } = admin;
    await daveRow().getByRole("button", { name: "Lock dave" }).click();
    await daveRow().getByLabel("Reason for locking dave").fill("holiday");
    // The browser's clock is the real one; the server's is frozen in 2026: a year from now is
    // in the future for both.
    const until = new Date(Date.now() + 366 * 86_400_000);
    const local = new Date(until.getTime() - until.getTimezoneOffset() * 60_000)
      .toISOString()
      .slice(0, 16);
    await daveRow().getByLabel("Locked until (optional)").fill(local);
    await daveRow().getByRole("button", { name: "Lock account" }).click();
    await containsText(daveRow(), "Locked until ");
    await containsText(daveRow(), ": holiday");
    await screenshot(page, "admin-locked-until");

    await signIn(dave.page, DAVE.email, DAVE.initial);
    await hasText(
      dave.page.locator("#sign-in-message"),
      /^This account is locked until .+\. Contact an administrator\.$/,
    );
    await daveRow().getByRole("button", { name: "Unlock dave" }).click();
    await hasCount(daveRow().locator(".badge", { hasText: "Locked" }), 0);
  });

  it("shows the strength meter on the forced password change at sign-in and on the account page", async () => {
    const { page } = dave;
    await signIn(page, DAVE.email, DAVE.initial);
    const step = page.locator("#change-password-step");
    await visible(step.getByRole("heading", { name: "Choose a new password" }));
    await step.getByLabel("New password", { exact: true }).fill("dave");
    const text = step.locator(".strength-text");
    await hasText(text, /^Strength: .+\. .+/);
    expect(await step.locator(".strength").getAttribute("data-acceptable")).toBe("false");
    await screenshot(page, "sign-in-strength");
    await step.getByLabel("New password", { exact: true }).fill(STRONG);
    await hasText(text, /This password will be accepted\.$/);
    await step.getByLabel("Confirm new password").fill(STRONG);
    await step.getByRole("button", { name: "Change password and continue" }).click();
    await page.waitForURL("**/account");

    const form = page.locator("#password-form");
    await form.getByLabel("New password", { exact: true }).fill("dave@example.org");
    await visible(form.locator(".strength"));
    expect(await form.locator(".strength").getAttribute("data-acceptable")).toBe("false");
    await form.getByLabel("New password", { exact: true }).fill("");
    await hidden(form.locator(".strength"));
  });

  it("offers an otpauth:// link on a phone besides the QR code and the key, and not on a desktop", async () => {
    const phone = await e2e.newTab({ width: 375, height: 720 });
    await phone.context.addCookies(await dave.context.cookies());
    await phone.page.goto("/account");
    await phone.page.getByRole("button", { name: "Set up authenticator app" }).click();
    const link = phone.page.getByRole("link", { name: "Open in authenticator app" });
    await visible(link);
    await visible(phone.page.getByRole("img", { name: "QR code for the authenticator app" }));
    const secret = ((await phone.page.locator("#totp-secret").textContent()) ?? "").replace(
      /\s/g,
      "",
    );
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const href = new URL((await link.getAttribute("href")) ?? "");
    expect(href.protocol).toBe("otpauth:");
    expect(href.host).toBe("totp");
    expect(href.searchParams.get("secret")).toBe(secret);
    expect(href.searchParams.get("issuer")).toBe(APP_NAME);
    expect(decodeURIComponent(href.pathname)).toContain(DAVE.email);
    await screenshot(phone.page, "totp-setup-phone");
    await phone.context.close();

    // On a wide screen with a mouse, the QR code is the way: the link is not shown.
    await dave.page.goto("/account");
    await dave.page.getByRole("button", { name: "Set up authenticator app" }).click();
    await visible(dave.page.getByRole("img", { name: "QR code for the authenticator app" }));
    await hidden(dave.page.getByRole("link", { name: "Open in authenticator app" }));
  });

  it("loaded nothing from another origin and broke no Content-Security-Policy rule", () => {
    expect(e2e.watch.foreignRequests).toEqual([]);
    expect(e2e.watch.cspViolations).toEqual([]);
  });
});
