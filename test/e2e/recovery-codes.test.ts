/**
 * Recovery codes in a real browser (issue 11 item 2): a user turns on the authenticator app,
 * makes codes on the account page (shown once, downloaded as text, "I have saved them" before
 * leaving), signs out and back in with a code instead of the authenticator app, and is asked
 * for new codes when 2 or fewer are left.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateTotp } from "../../src/core/totp.js";
import { createClient } from "../helpers/server.js";
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

const RITA = { name: "rita", email: "rita@example.org", password: "her own long passphrase" };
const CODE_SHAPE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/;

describe.skipIf(skipBrowserTests())("recovery codes in a browser", () => {
  const e2e = useE2e({ users: [RITA], tabs: ["rita"] });
  const { rita } = e2e.tabs;
  let codes: string[] = [];

  /** Rita's sign-in with a recovery code through the API, from a client of its own. */
  const loginWithCode = (code: string | undefined) =>
    createClient(e2e.server.baseUrl, e2e.server.baseUrl).request("POST", "/login", {
      json: { name: RITA.name, password: RITA.password, recovery_code: code },
    });

  it("asks for a second factor before it offers recovery codes", async () => {
    const { page } = rita;
    await signIn(page, RITA.name, RITA.password);
    await page.waitForURL("**/account");
    await visible(page.locator("#recovery-needs-factor"));
    await hidden(page.getByRole("button", { name: "Make recovery codes" }));

    await page.getByRole("button", { name: "Set up authenticator app" }).click();
    await visible(page.locator("#totp-secret"));
    const secret = ((await page.locator("#totp-secret").textContent()) ?? "").replace(/\s/g, "");
    const setup = page.locator("#totp-confirm-form");
    await setup
      .getByLabel("Authentication code")
      .fill(generateTotp(secret, { clock: e2e.server.clock }));
    await setup.getByRole("button", { name: "Confirm" }).click();
    await hasText(page.locator("#totp-status"), "On");
    e2e.server.clock.advance(30_000);
    await visible(page.getByRole("button", { name: "Make recovery codes" }));
    await hidden(page.locator("#recovery-needs-factor"));
  });

  it("shows ten codes once, downloads them as text and wants them saved before it closes", async () => {
    const { page } = rita;
    await page.getByRole("button", { name: "Make recovery codes" }).click();
    await visible(page.getByRole("heading", { name: "Save your recovery codes" }));
    const list = page.locator("#recovery-code-list li");
    await hasCount(list, 10);
    codes = (await list.allTextContents()).map((code) => code.trim());
    for (const code of codes) expect(code).toMatch(CODE_SHAPE);
    await screenshot(page, "recovery-codes-shown");

    await rita.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: e2e.server.baseUrl,
    });
    await page.getByRole("button", { name: "Copy" }).click();
    await hasText(page.locator("#recovery-message"), "The codes are copied.");
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied.split("\n")).toEqual(codes);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download as text" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("tessera-recovery-codes.txt");
    const text = readFileSync(await download.path(), "utf8");
    expect(text).toContain(`Recovery codes for ${RITA.name}`);
    for (const code of codes) expect(text).toContain(code);

    // "Done" stays aria-disabled (focusable, announced) until the box is ticked; pressed
    // anyway, it says why (Playwright waits for an enabled button, so the click is forced).
    const done = page.getByRole("button", { name: "Done" });
    expect(await done.getAttribute("aria-disabled")).toBe("true");
    await done.click({ force: true });
    await hasText(page.locator("#recovery-message"), /tick “I have saved them”/);
    await visible(page.locator("#recovery-code-list"));
    await page.getByLabel("I have saved them").check();
    await page.getByRole("button", { name: "Done" }).click();
    await hasText(page.locator("#recovery-message"), /ready to use/);
    await hidden(page.locator("#recovery-new"));
    await hasCount(list, 0);
    await hasText(page.locator("#recovery-status"), "10 left");
    await containsText(page.locator("#recovery-summary"), "10 of 10 codes left");
  });

  it("signs out and back in with a recovery code instead of the authenticator app", async () => {
    const { page } = rita;
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await signIn(page, RITA.name, RITA.password);
    const step = page.locator("#second-factor-step");
    await visible(step.getByLabel("Authentication code"));
    await step.getByRole("button", { name: "Use a recovery code" }).click();
    const field = step.getByLabel("Recovery code");
    await visible(field);
    await hidden(step.getByLabel("Authentication code"));

    await field.fill("AAAA-BBBB-CCCC-DDDD-EEEE");
    await step.getByRole("button", { name: "Sign in with recovery code" }).click();
    await hasText(page.locator("#second-factor-message"), /recovery code is not right/);
    await screenshot(page, "recovery-code-wrong");

    // Typed in lower case with spaces instead of dashes: still the code.
    await field.fill(codes[0]!.toLowerCase().replaceAll("-", " "));
    await step.getByRole("button", { name: "Sign in with recovery code" }).click();
    await page.waitForURL("**/account");
    await hasText(page.locator("#recovery-status"), "9 left");
    await hidden(page.locator("#recovery-prompt"));
    await containsText(page.locator("#session-list"), "recovery code");
  });

  it("prompts for new codes when 2 or fewer are left, and a new set ends the old one", async () => {
    const { page } = rita;
    // Seven more sign-ins with codes, from another client.
    for (const code of codes.slice(1, 8)) {
      const answer = await loginWithCode(code);
      expect(answer.status, answer.text).toBe(200);
    }
    await page.reload();
    await visible(page.locator("#recovery-prompt"));
    await hasText(page.locator("#recovery-prompt-text"), "Only 2 recovery codes are left.");
    await hasText(page.locator("#recovery-status"), "2 left");
    await screenshot(page, "recovery-codes-low");

    await page.getByRole("link", { name: "Make new recovery codes" }).click();
    await page.getByRole("button", { name: "Make new recovery codes" }).click();
    await page.getByRole("button", { name: "Make new codes" }).click();
    await hasCount(page.locator("#recovery-code-list li"), 10);
    await hidden(page.locator("#recovery-prompt"));
    await page.getByLabel("I have saved them").check();
    await page.getByRole("button", { name: "Done" }).click();
    await hasText(page.locator("#recovery-status"), "10 left");
    const old = await loginWithCode(codes[8]);
    expect(old.body.code).toBe("invalid_two_fa_code");
  });

  it("loaded nothing from another origin and broke no Content-Security-Policy rule", () => {
    expect(e2e.watch.foreignRequests).toEqual([]);
    expect(e2e.watch.cspViolations).toEqual([]);
  });
});
