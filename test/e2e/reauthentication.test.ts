/**
 * Issue 11 in a real browser: a sensitive action on the account page after the
 * re-authentication window asks "Confirm it is you" inline and then carries on; with
 * `TESSERA_REQUIRE_2FA=admins`, an admin without a second factor is taken straight to
 * enrolment (even when heading for the admin page), and the full page opens once it is done.
 */
import { describe, expect, it } from "vitest";
import { generateTotp } from "../../src/core/totp.js";
import {
  addVirtualAuthenticator,
  hasText,
  hidden,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  visible,
} from "./helpers.js";

const USER = { name: "robin", email: "robin@example.org", password: "a long passphrase of mine" };
const ADMIN = {
  name: "chief",
  email: "chief@example.org",
  password: "the head admin's passphrase",
};
/** Past the default re-authentication window (10 minutes). */
const PAST_WINDOW_MS = 11 * 60_000;

describe.skipIf(skipBrowserTests())("re-authentication and enrolment in a browser", () => {
  const e2e = useE2e({
    env: { TESSERA_REQUIRE_2FA: "admins" },
    users: [USER, { ...ADMIN, isAdmin: true }],
    tabs: ["user", "admin"],
  });
  const { user, admin } = e2e.tabs;

  it("asks for the password inline when the sign-in is too old, then carries on", async () => {
    const { page } = user;
    await signIn(page, USER.name, USER.password, "/account");
    await page.waitForURL("**/account");
    await hidden(page.locator("#enrolment-notice"));
    e2e.server.clock.advance(PAST_WINDOW_MS);

    await page.getByRole("button", { name: "Set up authenticator app" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it is you" });
    await visible(dialog);
    await screenshot(page, "reauth-dialog");
    await dialog.getByLabel("Your password").fill("not the password");
    await dialog.getByRole("button", { name: "Confirm with password" }).click();
    await hasText(dialog.locator(".message"), "The current password is wrong.");

    await dialog.getByLabel("Your password").fill(USER.password);
    await dialog.getByRole("button", { name: "Confirm with password" }).click();
    await hidden(dialog);
    // The action went on by itself: the setup step is shown.
    await visible(page.getByRole("img", { name: "QR code for the authenticator app" }));
    expect(e2e.watch.cspViolations).toEqual([]);
  });

  it("leaves the action undone when the person cancels", async () => {
    const { page } = user;
    await page.goto("/account");
    e2e.server.clock.advance(PAST_WINDOW_MS);
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it is you" });
    await visible(dialog);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await hidden(dialog);
    await hasText(page.locator("#sessions-message"), /Confirm it is you/);
    expect(new URL(page.url()).pathname).toBe("/account");
  });

  it("offers the passkey itself once the user has one, and the action goes on", async () => {
    const { page } = user;
    await addVirtualAuthenticator(page);
    await page.goto("/account");
    const dialog = page.getByRole("dialog", { name: "Confirm it is you" });
    // Adding a passkey after the window: confirmed with the password, the passkey is added.
    e2e.server.clock.advance(PAST_WINDOW_MS);
    const add = page.locator("#passkey-add-form");
    await add.getByLabel("Passkey name").fill("Laptop");
    await add.getByRole("button", { name: "Add passkey" }).click();
    await visible(dialog);
    await hidden(dialog.getByRole("button", { name: "Use a passkey" }));
    await dialog.getByLabel("Your password").fill(USER.password);
    await dialog.getByRole("button", { name: "Confirm with password" }).click();
    await hasText(page.locator("#passkey-message"), "Passkey “Laptop” added.");

    // Removing it later: the dialog now offers the passkey itself.
    e2e.server.clock.advance(PAST_WINDOW_MS);
    const list = page.locator("#passkey-list");
    await list.getByRole("button", { name: "Remove Laptop" }).click();
    await list.locator("[data-confirm]").click();
    await visible(dialog);
    await screenshot(page, "reauth-dialog-passkey");
    await dialog.getByRole("button", { name: "Use a passkey" }).click();
    await hasText(page.locator("#passkey-message"), "Passkey “Laptop” removed.");
    await hidden(dialog);
  });

  it("takes an admin without a second factor straight to enrolment, then opens the page", async () => {
    const { page } = admin;
    await signIn(page, ADMIN.name, ADMIN.password, "/admin");
    // Heading for the admin page, the admin lands on the account page's enrolment.
    await page.waitForURL("**/account");
    const notice = page.getByRole("heading", { name: "Set up a second factor" });
    await visible(notice);
    await hidden(page.locator("#sessions-card"));
    await hidden(page.locator("#activity-card"));
    await screenshot(page, "enrolment-required");

    await page.getByRole("button", { name: "Set up authenticator app" }).click();
    await visible(page.getByRole("img", { name: "QR code for the authenticator app" }));
    const secret = ((await page.locator("#totp-secret").textContent()) ?? "").replace(/\s/g, "");
    const form = page.locator("#totp-confirm-form");
    await form
      .getByLabel("Authentication code")
      .fill(generateTotp(secret, { clock: e2e.server.clock }));
    await form.getByRole("button", { name: "Confirm" }).click();

    // Enrolled: the page reloads without the notice, with everything else.
    await hidden(page.locator("#enrolment-notice"));
    await visible(page.locator("#sessions-card"));
    await hasText(page.locator("#totp-status"), "On");
    await page.goto("/admin");
    await page.waitForURL("**/admin");
    await visible(page.locator("#user-list li").first());
  });
});
