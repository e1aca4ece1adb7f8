/**
 * The pages in a real browser (Debian's Chromium through playwright-core) against the real
 * server: first admin, user creation, password change, TOTP, passkeys through a CDP virtual
 * authenticator, password reset. Each test has a server of its own and makes the accounts and
 * sign-ins it starts from (through the service and the API), so they pass in any order
 * (`--sequence.shuffle`); the browser is shared. Each saves a screenshot of every page it visits
 * under test-results/e2e/. TESSERA_UPDATE_SCREENSHOTS=1 also rewrites
 * docs/screenshots/{sign-in,account}.png.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateTotp } from "../../src/core/totp.js";
import { ensureFirstAdmin, FIRST_ADMIN_NAME } from "../../src/server.js";
import { enableTotp } from "../helpers/recovery-codes.js";
import { createClient, type TestClient } from "../helpers/server.js";
import {
  addControlledAuthenticator,
  waitForConditionalRequest,
  watchConditionalRequests,
  clearResults,
  containsText,
  docScreenshot,
  hasCount,
  hasText,
  hidden,
  visible,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  type E2eUser,
} from "./helpers.js";

/** The TOTP period: a code is accepted once, so the clock moves a step between uses. */
const TOTP_STEP_MS = 30_000;
const ADMIN_PASSWORD = "the operator chose this long passphrase";
const ALICE = { name: "alice", email: "alice@example.org", initial: "initial-Pa55word" };
const ALICE_PASSWORD = "her own long passphrase";
/** The admin of the tests that do not start from the first start. */
const ADMIN_USER: E2eUser = {
  name: FIRST_ADMIN_NAME,
  email: "admin@example.org",
  password: ADMIN_PASSWORD,
  isAdmin: true,
};
/** Alice once she has chosen her own password. */
const ALICE_USER: E2eUser = { name: ALICE.name, email: ALICE.email, password: ALICE_PASSWORD };

describe.skipIf(skipBrowserTests())("the pages in a browser", () => {
  beforeAll(clearResults);
  const e2e = useE2e({ tabs: ["admin", "alice"], serverPerTest: true });
  const { admin, alice } = e2e.tabs;

  // Every test's pages: nothing loaded from another origin, no Content-Security-Policy violation.
  afterEach(() => {
    expect(e2e.watch.foreignRequests).toEqual([]);
    expect(e2e.watch.cspViolations).toEqual([]);
  });

  /** The current TOTP code of `secret` at the server's clock. */
  function nextCode(secret: string): string {
    return generateTotp(secret, { clock: e2e.server.clock });
  }

  /** An API client of the server, signed in as `user` with the password. */
  async function apiSignIn(user: { name: string; password: string }): Promise<TestClient> {
    const api = createClient(e2e.server.baseUrl, e2e.server.baseUrl);
    await api.login(user.name, user.password);
    return api;
  }

  /** Gives a browser context the API client's session, as if it had signed in itself. */
  async function shareSession(context: BrowserContext, api: TestClient): Promise<void> {
    const value = api.cookies.get("token");
    if (value === undefined) throw new Error("the API client has no session");
    await context.addCookies([
      { name: "token", value, url: e2e.server.baseUrl, httpOnly: true, sameSite: "Lax" },
    ]);
  }

  /** Creates `user` and signs them in on `context`. */
  async function signedIn(context: BrowserContext, user: E2eUser): Promise<void> {
    await e2e.addUser(user);
    await shareSession(context, await apiSignIn(user));
  }

  /**
   * Alice with the authenticator app on (enrolled through the API, the clock then a step on, so
   * the code used is spent), signed in on her tab; the app's secret.
   */
  async function aliceWithTotp(): Promise<string> {
    const { id } = await e2e.addUser(ALICE_USER);
    const api = await apiSignIn(ALICE_USER);
    const secret = await enableTotp(e2e.server, api, id);
    e2e.server.clock.advance(TOTP_STEP_MS);
    await shareSession(alice.context, api);
    return secret;
  }

  async function choosePassword(page: Page, password: string): Promise<void> {
    const step = page.locator("#change-password-step");
    await visible(step.getByRole("heading", { name: "Choose a new password" }));
    // The password just typed is reused: the form does not ask for it again.
    expect(await step.getByLabel("Current password").isVisible()).toBe(false);
    await step.getByLabel("New password", { exact: true }).fill(password);
    await step.getByLabel("Confirm new password").fill(password);
    await screenshot(page, "change-password");
    await step.getByRole("button", { name: "Change password and continue" }).click();
    await page.waitForURL("**/account");
  }

  it("lets the first admin sign in with the printed one-time password and makes them change it", async () => {
    const lines: string[] = [];
    expect(
      await ensureFirstAdmin(e2e.server.app.tessera, e2e.server.config, (line) => lines.push(line)),
    ).toBe(true);
    const oneTime = /password:\s+(\S+)/.exec(lines.join("\n"))?.[1];
    expect(oneTime).toBeDefined();
    const { page } = admin;

    await page.goto("/");
    await visible(page.getByRole("heading", { name: "Sign in" }));
    await screenshot(page, "sign-in");
    await docScreenshot(page, "sign-in");

    // A wrong password first: shown inline, in a live region.
    await signIn(page, FIRST_ADMIN_NAME, "not the password");
    const message = page.locator("#sign-in-message");
    await hasText(message, "Wrong name or password.");
    expect(await message.getAttribute("aria-live")).toBe("assertive");
    await screenshot(page, "sign-in-wrong-password");

    await signIn(page, FIRST_ADMIN_NAME, oneTime ?? "");
    await choosePassword(page, ADMIN_PASSWORD);
    await visible(page.getByRole("heading", { name: "Your account" }));
    await visible(page.getByRole("link", { name: "Admin" }));
    await screenshot(page, "admin-account");

    // Signed in: the sign-in page sends the admin on to the account page.
    await page.goto("/");
    await page.waitForURL("**/account");
  });

  it("lets the admin create a user on the admin page", async () => {
    await signedIn(admin.context, ADMIN_USER);
    const { page } = admin;
    await page.goto("/account");
    await page.getByRole("link", { name: "Admin" }).click();
    await page.waitForURL("**/admin");
    await visible(page.getByRole("heading", { name: "Users", exact: true }));
    const form = page.locator("#create-user-form");
    await form.getByLabel("Name", { exact: true }).fill(ALICE.name);
    await form.getByLabel("Email").fill(ALICE.email);
    await form.getByLabel("Initial password", { exact: true }).fill(ALICE.initial);
    await form.getByRole("button", { name: "Create user" }).click();
    await hasText(page.locator("#create-user-message"), /Created alice/);
    const item = page.locator("#user-list li", { hasText: ALICE.email });
    await containsText(item, "Must change password");
    await screenshot(page, "admin-users");
  });

  it("makes the new user choose a password, then enrols the authenticator app from the QR code page", async () => {
    await e2e.addUser({ ...ALICE_USER, password: ALICE.initial, mustChangePassword: true });
    const { page } = alice;
    await signIn(page, ALICE.email, ALICE.initial);
    await choosePassword(page, ALICE_PASSWORD);
    await hidden(page.getByRole("link", { name: "Admin" }));

    await page.getByRole("button", { name: "Set up authenticator app" }).click();
    const qr = page.getByRole("img", { name: "QR code for the authenticator app" });
    await visible(qr);
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
    const totpSecret = ((await page.locator("#totp-secret").textContent()) ?? "").replace(
      /\s/g,
      "",
    );
    expect(totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(page, "totp-setup");

    const setup = page.locator("#totp-confirm-form");
    await setup.getByLabel("Authentication code").fill(nextCode(totpSecret));
    await setup.getByRole("button", { name: "Confirm" }).click();
    await hasText(page.locator("#totp-message"), /authenticator app is set up/);
    await hasText(page.locator("#totp-status"), "On");
    await screenshot(page, "totp-on");
  });

  it("shows a user who is not an admin a clear message on the admin page", async () => {
    await signedIn(alice.context, ALICE_USER);
    const { page } = alice;
    await page.goto("/admin");
    await visible(page.getByRole("heading", { name: "Administrators only" }));
    await containsText(page.locator("#admin-denied"), "signed in as alice");
    await screenshot(page, "admin-denied");
  });

  it("signs the user out, then in again with a code from the authenticator app", async () => {
    const secret = await aliceWithTotp();
    const { page } = alice;
    await page.goto("/account");
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/");

    await signIn(page, ALICE.name, ALICE_PASSWORD);
    const step = page.locator("#second-factor-step");
    const code = step.getByLabel("Authentication code");
    await visible(code);
    await hidden(step.getByRole("button", { name: "Use passkey" }));

    const right = nextCode(secret);
    await code.fill(right === "000000" ? "111111" : "000000");
    await step.getByRole("button", { name: "Verify" }).click();
    await hasText(page.locator("#second-factor-message"), /code is not right/);
    await screenshot(page, "second-factor-wrong-code");

    await code.fill(right);
    await step.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL("**/account");
  });

  it("adds, renames and removes passkeys, and signs in with one", async () => {
    await aliceWithTotp();
    const { page } = alice;
    const authenticator = await addControlledAuthenticator(page);
    await watchConditionalRequests(page);
    const { cdp } = authenticator;

    await page.goto("/account");
    const add = page.locator("#passkey-add-form");
    await add.getByLabel("Passkey name").fill("Test key");
    await add.getByRole("button", { name: "Add passkey" }).click();
    await hasText(page.locator("#passkey-message"), "Passkey “Test key” added.");
    const list = page.locator("#passkey-list");
    await containsText(list, "Never used");

    await list.getByRole("button", { name: "Rename Test key" }).click();
    await list.getByLabel("New name for Test key").fill("Laptop");
    await list.getByRole("button", { name: "Save" }).click();
    await hasText(list.locator("li"), /^Laptop/);

    // Second factor: the code field and the passkey button; the passkey is used. The person is
    // away meanwhile, else the virtual authenticator would answer the sign-in page's autofill
    // request (issue 24) at once, with the passkey it holds.
    await authenticator.setPresence(false);
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await signIn(page, ALICE.name, ALICE_PASSWORD);
    const step = page.locator("#second-factor-step");
    await visible(step.getByLabel("Authentication code"));
    await screenshot(page, "second-factor-both");
    await authenticator.setPresence(true);
    await step.getByRole("button", { name: "Use passkey" }).click();
    await page.waitForURL("**/account");
    await containsText(page.locator("#passkey-list"), "Last used");

    // Passwordless: the passkey alone, by the button.
    await authenticator.setPresence(false);
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await waitForConditionalRequest(page);
    await authenticator.setPresence(true);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL("**/account");

    await containsText(list, "Last used");
    await screenshot(page, "passkeys");
    await docScreenshot(page, "account");

    // The same authenticator again: the browser refuses, the page says why.
    await add.getByLabel("Passkey name").fill("Again");
    await add.getByRole("button", { name: "Add passkey" }).click();
    await hasText(
      page.locator("#passkey-message"),
      "This passkey is already registered for your account.",
    );

    // Removal, after a confirmation.
    await list.getByRole("button", { name: "Remove Laptop" }).click();
    await containsText(list, "You can no longer sign in with it");
    await list.getByRole("button", { name: "Remove", exact: true }).click();
    await hasText(page.locator("#passkey-message"), "Passkey “Laptop” removed.");
    await hasCount(list.locator("li"), 0);
    await visible(page.getByText("No passkeys yet."));
    await cdp.detach();
  });

  it("shows the wait after too many wrong passwords", async () => {
    const { context, page } = await e2e.newTab();
    const message = page.locator("#sign-in-message");
    let text = "";
    for (let attempt = 0; attempt < 10 && !text.startsWith("Too many"); attempt += 1) {
      await signIn(page, "mallory", `guess ${attempt}`);
      await expect.poll(async () => (await message.textContent()) ?? "").not.toBe("");
      text = (await message.textContent()) ?? "";
    }
    expect(text).toMatch(/^Too many attempts\. Try again in \d+ (seconds|minutes?)\.$/);
    await screenshot(page, "sign-in-too-many");
    await context.close();
  });

  it("fits a 375 px wide screen, labels every control and shows the keyboard focus", async () => {
    const { context, page } = await e2e.newTab({ width: 375, height: 720 });
    await signedIn(context, ALICE_USER);
    const problems = async () =>
      page.evaluate(() => {
        const found: string[] = [];
        if (document.documentElement.scrollWidth > window.innerWidth) {
          found.push(`page is ${document.documentElement.scrollWidth}px wide`);
        }
        for (const element of Array.from(document.querySelectorAll("input, button, select"))) {
          const control = element as HTMLInputElement;
          if (control.type === "hidden") continue;
          const name =
            control.labels?.[0]?.textContent?.trim() ||
            control.getAttribute("aria-label") ||
            (control.tagName === "BUTTON" ? control.textContent?.trim() : "");
          if (!name) found.push(`unlabelled ${control.tagName} #${control.id}`);
        }
        return found;
      });

    await page.goto("/");
    await page.waitForURL("**/account");
    await visible(page.getByRole("heading", { name: "Your account" }));
    expect(await problems()).toEqual([]);
    await screenshot(page, "account-phone");

    await page.goto("/admin");
    await visible(page.getByRole("heading", { name: "Administrators only" }));
    expect(await problems()).toEqual([]);

    const anonymous = await e2e.newTab({ width: 375, height: 720 });
    await anonymous.page.goto("/");
    await visible(anonymous.page.getByRole("heading", { name: "Sign in" }));
    expect(
      await anonymous.page.evaluate(() => document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(375);
    // Keyboard: the skip link, the header's language picker, then the first field, with a
    // visible focus ring.
    await anonymous.page.keyboard.press("Tab");
    await anonymous.page.keyboard.press("Tab");
    await anonymous.page.keyboard.press("Tab");
    const focused = await anonymous.page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      const style = getComputedStyle(element);
      return { id: element.id, outline: style.outlineStyle, width: style.outlineWidth };
    });
    expect(focused).toEqual({ id: "name", outline: "solid", width: "3px" });
    await screenshot(anonymous.page, "sign-in-phone");
    await anonymous.context.close();
    await context.close();
  });

  it("ends the user's session when an admin resets the password", async () => {
    await signedIn(admin.context, ADMIN_USER);
    await signedIn(alice.context, ALICE_USER);
    const { page } = admin;
    await page.goto("/admin");
    const item = page.locator("#user-list li", { hasText: ALICE.email });
    await item.getByRole("button", { name: "Reset password alice" }).click();
    await item.getByLabel("New password for alice").fill("reset by the admin");
    await item.getByRole("button", { name: "Set password" }).click();
    await hasText(page.locator("#users-message"), /password of alice is reset/);
    await screenshot(page, "admin-reset");

    // Alice's open page: her next request finds the session ended, and she is asked to sign in.
    await alice.page.goto("/account");
    await alice.page.waitForURL((url) => url.pathname === "/" && url.search === "?next=%2Faccount");
    await visible(alice.page.getByRole("heading", { name: "Sign in" }));
    await screenshot(alice.page, "session-ended");
  });

  it("lets the admin turn off a user's authenticator app, delete a user and promote one", async () => {
    await aliceWithTotp();
    await signedIn(admin.context, ADMIN_USER);
    const { page } = admin;
    await page.goto("/admin");
    const aliceItem = page.locator("#user-list li", { hasText: ALICE.email });
    await aliceItem.getByRole("button", { name: "Turn off authenticator app alice" }).click();
    await hasText(page.locator("#users-message"), "The authenticator app of alice is turned off.");
    await containsText(
      page.locator("#user-list li", { hasText: ALICE.email }),
      "Authenticator app off",
    );

    const form = page.locator("#create-user-form");
    await form.getByLabel("Name", { exact: true }).fill("carol");
    await form.getByLabel("Email").fill("carol@example.org");
    await form.getByLabel("Initial password", { exact: true }).fill("first-initial-pw-3");
    await form.getByRole("button", { name: "Create user" }).click();
    const carol = page.locator("#user-list li", { hasText: "carol@example.org" });
    await visible(carol);
    await carol.getByRole("button", { name: "Delete carol" }).click();
    await containsText(carol, "Delete carol? This cannot be undone.");
    await screenshot(page, "admin-delete-confirm");
    await carol.getByRole("button", { name: "Delete", exact: true }).click();
    await hasText(page.locator("#users-message"), "carol is deleted.");
    await hasCount(page.locator("#user-list li", { hasText: "carol@example.org" }), 0);

    const aliceRow = page.locator("#user-list li", { hasText: ALICE.email });
    await aliceRow.getByRole("button", { name: "Make admin alice" }).click();
    await containsText(aliceRow, "Make alice an admin?");
    await aliceRow.getByRole("button", { name: "Make admin", exact: true }).click();
    await hasText(page.locator("#users-message"), "alice is now an admin.");
    await containsText(page.locator("#user-list li", { hasText: ALICE.email }), "Admin");
    await screenshot(page, "admin-after-actions");
  });

  it("shows the user's security activity on the account page and everyone's on the admin page", async () => {
    // What the lists show, done through the API: the admin's sign-in and password change, a
    // promotion and a deletion.
    const first = { ...ADMIN_USER, password: "the operator's first passphrase" };
    const { id: adminId } = await e2e.addUser(first);
    const { id: aliceId } = await e2e.addUser(ALICE_USER);
    const carol = {
      name: "carol",
      email: "carol@example.org",
      password: "a third long passphrase",
    };
    const { id: carolId } = await e2e.addUser(carol);
    const api = await apiSignIn(first);
    const done = async (method: string, path: string, json?: unknown) => {
      const answer = await api.request(method, path, json === undefined ? {} : { json });
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(200);
    };
    await done("PATCH", `/users/${adminId}/password/change`, {
      old_password: first.password,
      new_password: ADMIN_PASSWORD,
    });
    await done("PATCH", `/users/${aliceId}/promote`);
    await done("DELETE", `/users/${carolId}`);
    await shareSession(admin.context, await apiSignIn(ADMIN_USER));
    const { page } = admin;
    await page.goto("/account");
    await visible(page.getByRole("heading", { name: "Recent security activity" }));
    await visible(page.locator("#activity-list li", { hasText: "Signed in" }).first());
    await visible(page.locator("#activity-list li", { hasText: "Password changed" }).first());

    await page.goto("/admin");
    await visible(page.getByRole("heading", { name: "Activity" }));
    await visible(page.locator("#activity-list li", { hasText: "Made an admin (alice)" }));
    await visible(page.locator("#activity-list li", { hasText: "Account deleted" }).first());
    await screenshot(page, "admin-activity");
  });
});
