/**
 * Small things on the pages (issue 18, item 12), each in a real browser: the admin sees where a
 * user is signed in and confirms before ending those sessions; the Activity list follows the
 * admin's actions; "Send the link again" keeps its distance from the next label; the sign-in
 * page's way back from a recovery code names the factors the account has.
 */
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { generateTotp } from "../../src/core/totp.js";
import { createClient } from "../helpers/server.js";
import {
  containsText,
  hasText,
  hidden,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  visible,
  WAIT_MS,
} from "./helpers.js";

const ADMIN = { name: "ada", email: "ada@example.org", password: "ada's long passphrase" };
const SAM = { name: "sam", email: "sam@example.org", password: "sam's long passphrase" };
const TOM = { name: "tom", email: "tom@example.org", password: "tom's long passphrase" };

/** The status of `GET /me` from `page` (its cookies): 200 signed in, 401 not. */
function meStatus(page: Page): Promise<number> {
  return page.evaluate(async () => (await fetch("/me")).status);
}

/** The Activity list's lines. */
async function activityLines(page: Page): Promise<string[]> {
  return page.locator("#activity-list li").allTextContents();
}

async function waitForActivity(page: Page, line: RegExp): Promise<void> {
  await expect
    .poll(async () => (await activityLines(page)).some((text) => line.test(text)), {
      timeout: WAIT_MS,
    })
    .toBe(true);
}

describe.skipIf(skipBrowserTests())("small things on the pages", () => {
  const e2e = useE2e({
    users: [{ ...ADMIN, isAdmin: true }, SAM, TOM],
    tabs: ["admin", "sam", "tom"],
  });
  const { admin, sam, tom } = e2e.tabs;
  const samRow = (): Locator => admin.page.locator("#user-list li", { hasText: SAM.email });

  it("shows the admin where a user is signed in, and asks before ending those sessions", async () => {
    await signIn(sam.page, SAM.name, SAM.password);
    await sam.page.waitForURL("**/account");
    await signIn(admin.page, ADMIN.name, ADMIN.password, "/admin");
    await admin.page.waitForURL("**/admin");
    const row = samRow();
    await containsText(row, "1 session");
    await row.getByText("Where sam is signed in").click();
    const sessions = row.locator(".session-list li");
    await visible(sessions.first());
    await containsText(sessions.first(), "127.0.0.1");
    await containsText(sessions.first(), "Signed in with password");
    expect(await sessions.first().locator(".item-title").textContent()).toMatch(/ on /);
    await screenshot(admin.page, "admin-user-sessions");

    // The first click only asks; Cancel leaves the sessions alone.
    await row.getByRole("button", { name: "End sessions sam" }).click();
    await containsText(row, "End every session of sam?");
    await screenshot(admin.page, "admin-end-sessions-confirm");
    expect(await meStatus(sam.page)).toBe(200);
    await row.getByRole("button", { name: "Cancel" }).click();
    await visible(row.getByRole("button", { name: "End sessions sam" }));
    expect(await meStatus(sam.page)).toBe(200);

    await row.getByRole("button", { name: "End sessions sam" }).click();
    await row.getByRole("button", { name: "End sessions", exact: true }).click();
    await hasText(admin.page.locator("#users-message"), "sam is signed out everywhere.");
    await expect.poll(() => meStatus(sam.page), { timeout: WAIT_MS }).toBe(401);
    await containsText(samRow(), "0 sessions");
  });

  it("reads the Activity list again after the admin creates, invites and locks", async () => {
    const page = admin.page;
    await page.goto("/admin");
    await visible(page.locator("#activity-list li").first());
    const form = page.locator("#create-user-form");
    await form.getByLabel("Name", { exact: true }).fill("carla");
    await form.getByLabel("Email", { exact: true }).fill("carla@example.org");
    await form.getByLabel("Initial password", { exact: true }).fill("her first passphrase 81");
    await form.getByRole("button", { name: "Create user" }).click();
    await hasText(page.locator("#create-user-message"), /Created carla/);
    await waitForActivity(page, /^Account created \(carla\)/);

    await form.getByLabel("Name", { exact: true }).fill("dina");
    await form.getByLabel("Email", { exact: true }).fill("dina@example.org");
    await form.getByLabel("Send invitation").check();
    await form.getByRole("button", { name: "Create user" }).click();
    await hasText(page.locator("#create-user-message"), /sent the invitation/);
    await waitForActivity(page, /^Invitation sent \(dina\)/);

    const carla = page.locator("#user-list li", { hasText: "carla@example.org" });
    await carla.getByRole("button", { name: "Lock carla" }).click();
    await carla.getByLabel("Reason for locking carla").fill("testing the activity list");
    await carla.getByRole("button", { name: "Lock account" }).click();
    await hasText(page.locator("#users-message"), "carla is locked and signed out everywhere.");
    await waitForActivity(page, /^Account locked \(carla\)/);
  });

  it("keeps “Send the link again” apart from the label below it", async () => {
    const page = tom.page;
    await signIn(page, TOM.name, TOM.password);
    await page.waitForURL("**/account");
    const button = page.locator("#email-resend");
    await visible(button);
    const label = page.locator('label[for="new-email"]');
    const buttonBox = await button.boundingBox();
    const labelBox = await label.boundingBox();
    if (buttonBox === null || labelBox === null) throw new Error("not laid out");
    // At least 12 px of air (today's other gaps between a control and the next label are 16).
    expect(labelBox.y - (buttonBox.y + buttonBox.height)).toBeGreaterThanOrEqual(12);
  });

  it("offers a user with only an authenticator app the way back to it, not to a passkey", async () => {
    // Tom turns on TOTP and makes recovery codes (through the API, from a client of his own).
    const client = createClient(e2e.server.baseUrl, e2e.server.baseUrl);
    const me = await client.login(TOM.name, TOM.password);
    const id = me.body.id as string;
    const setup = await client.request("POST", `/users/${id}/2fa/totp/setup`);
    const secret = setup.body.secret as string;
    const confirmed = await client.request("POST", `/users/${id}/2fa/totp/confirm`, {
      json: { code: generateTotp(secret, { clock: e2e.server.clock }) },
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    const codes = await client.request("POST", `/users/${id}/2fa/recovery-codes`);
    expect(codes.status, codes.text).toBe(200);

    const page = tom.page;
    await page.context().clearCookies();
    await signIn(page, TOM.name, TOM.password);
    const toggle = page.locator("#recovery-toggle");
    await hasText(toggle, "Use a recovery code");
    await toggle.click();
    await visible(page.locator("#recovery-form"));
    await hasText(toggle, "Use your authenticator app instead");
    await toggle.click();
    await visible(page.locator("#totp-form"));
    await hidden(page.locator("#recovery-form"));
  });
});
