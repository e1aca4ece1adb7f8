/**
 * Sign-up and address verification in a real browser (issue 12, parts 3 and 5): the sign-in
 * page links to `/signup`, the person signs up, is refused at sign-in until the address is
 * verified (with "Send a new link"), follows the link from the mail and signs in.
 */
import { describe, expect, it } from "vitest";
import { linkTo, mailTo } from "../helpers/mail-links.js";
import { hasText, screenshot, signIn, skipBrowserTests, useE2e, visible } from "./helpers.js";

const PERSON = { name: "kim", email: "kim@example.org", password: "kim's long passphrase" };

describe.skipIf(skipBrowserTests())("sign-up in a browser", () => {
  const e2e = useE2e({ env: { TESSERA_SIGNUP: "open" }, smtp: true, tabs: ["visitor"] });
  const { visitor } = e2e.tabs;

  it("signs up, is asked to confirm the address, follows the mailed link and signs in", async () => {
    const page = visitor.page;
    await page.goto("/");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL("**/signup");
    await page.getByLabel("Name", { exact: true }).fill(PERSON.name);
    await page.getByLabel("Email", { exact: true }).fill(PERSON.email);
    await page.getByLabel("Password", { exact: true }).fill(PERSON.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await hasText(page.locator("#signup-done-email"), PERSON.email);
    await screenshot(page, "signup-done");
    await mailTo(e2e.smtp, PERSON.email, "Confirm your email address");

    // Before the address is confirmed: refused after the password, with "send again".
    await signIn(page, PERSON.name, PERSON.password);
    await hasText(page.locator("#sign-in-message"), /Confirm your email address first/);
    await page.getByRole("button", { name: "Send a new link" }).click();
    await hasText(page.locator("#resend-message"), /on its way/);
    const mail = await mailTo(e2e.smtp, PERSON.email, "Confirm your email address", 2);

    // The link from the newest mail: the page confirms on a click, then sign-in works.
    await page.goto(linkTo(mail, "/verify-email").href);
    expect(new URL(page.url()).hash).toBe("");
    await page.getByRole("button", { name: "Confirm my address" }).click();
    await visible(page.getByRole("heading", { name: "Address confirmed" }));
    await screenshot(page, "verify-email-done");
    await signIn(page, PERSON.email, PERSON.password);
    await page.waitForURL("**/account");
    await hasText(page.locator("#email-status"), "Verified");
    expect(e2e.watch.foreignRequests).toEqual([]);
    expect(e2e.watch.cspViolations).toEqual([]);
  });
});
