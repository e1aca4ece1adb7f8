/**
 * Issue 22 in a real browser: Chromium on Tessera's sign-in page clicks "Sign in with …",
 * signs in at a standard OpenID provider (another Tessera: panva's oidc-provider with its own
 * sign-in and consent pages), and comes back signed in to the account with the same verified
 * address; then another person links the provider from the account page's "Linked sign-ins";
 * then an invited person accepts the invitation through the provider from the invitation page.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { INVITATION_VALIDITY_MS } from "../../src/services/account/invitations.js";
import { issueEmailToken } from "../../src/services/mail/email-tokens.js";
import { addUpstreamProvider } from "../../src/services/upstream/providers.js";
import { startOidcTestServer, type OidcTestServer } from "../helpers/oidc.js";
import {
  buildPages,
  hasText,
  launchBrowser,
  screenshot,
  skipBrowserTests,
  submitCredentials,
  visible,
  WAIT_MS,
} from "./helpers.js";

const PASSWORD = "a long passphrase for all my apps";

describe.skipIf(skipBrowserTests())("sign in with an upstream provider in a browser", () => {
  let browser: Browser;
  let up: OidcTestServer;
  let down: OidcTestServer;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    buildPages();
    browser = await launchBrowser();
    // Another host name: cookies are per host, not per port, and each server has its own session.
    up = await startOidcTestServer("sqlite", { host: "localhost" });
    down = await startOidcTestServer("sqlite");
    const { clientId, clientSecret } = await up.addClient({
      name: "Downstream Tessera",
      redirectUris: [`${down.issuer}/login/providers/corp/callback`],
    });
    await addUpstreamProvider(down.tessera.ctx, down.tessera.upstream!, {
      id: "corp",
      issuer: up.issuer,
      clientId,
      clientSecret: clientSecret!,
      name: "Corp SSO",
    });
  });
  afterEach(async (test) => {
    const page = contexts.at(-1)?.pages()[0];
    if (test.task.result?.state === "fail" && page !== undefined) {
      const messages = await page
        .locator(".message:not(:empty)")
        .allTextContents()
        .catch(() => []);
      console.error(`[tessera e2e] upstream at ${page.url()}: ${messages.join(" | ")}`);
      await screenshot(page, "FAILED-upstream").catch(() => undefined);
    }
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await down?.close();
    await up?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1000, height: 800 },
      locale: "en-GB",
    });
    contexts.push(context);
    return context.newPage();
  }

  async function verified(server: OidcTestServer, name: string, email: string) {
    const user = await server.createUser({ name, email, password: PASSWORD });
    await server.tessera.database.db
      .updateTable("users")
      .set({ email_verified_at: Date.now() })
      .where("id", "=", user.id)
      .execute();
    return user;
  }

  /** At the upstream's sign-in page: signs in there and allows the consent. */
  async function signInUpstream(page: Page, name: string): Promise<void> {
    await page.waitForURL((url) => url.origin === up.issuer && url.pathname === "/", {
      timeout: WAIT_MS,
    });
    await submitCredentials(page, name, PASSWORD);
    await page.waitForURL((url) => url.origin === up.issuer && url.pathname === "/consent", {
      timeout: WAIT_MS,
    });
    await page.getByRole("button", { name: "Allow" }).click();
  }

  it("clicks the button, signs in upstream, and comes back signed in to the right account", async () => {
    await verified(up, "alice-up", "alice@example.org");
    await verified(down, "alice", "alice@example.org");
    const page = await newPage();
    await page.goto(`${down.issuer}/`);
    const button = page.getByRole("link", { name: "Sign in with Corp SSO" });
    await visible(button);
    await screenshot(page, "upstream-sign-in-button");
    await button.click();
    await signInUpstream(page, "alice-up");
    await page.waitForURL((url) => url.origin === down.issuer && url.pathname === "/account", {
      timeout: WAIT_MS,
    });
    await hasText(page.locator("#me-name"), "alice");
    const linked = page.locator("#linked-list");
    await visible(linked);
    await hasText(linked.locator(".item-title"), "Corp SSO");
    await screenshot(page, "upstream-linked-sign-ins");
  });

  it("links the provider from the account page", async () => {
    await verified(up, "bob-up", "bob-upstream@example.org");
    await verified(down, "bob", "bob@example.org");
    const page = await newPage();
    await page.goto(`${down.issuer}/?next=/account`);
    await submitCredentials(page, "bob", PASSWORD);
    await page.waitForURL((url) => url.pathname === "/account", { timeout: WAIT_MS });
    const link = page.getByRole("button", { name: "Link Corp SSO" });
    await visible(link);
    await link.click();
    await signInUpstream(page, "bob-up");
    await page.waitForURL(
      (url) => url.origin === down.issuer && url.searchParams.get("provider_linked") === "corp",
      { timeout: WAIT_MS },
    );
    await hasText(page.locator("#linked-list .item-title"), "Corp SSO");
    await hasText(page.locator("#linked-message"), "The sign-in is linked to your account.");
    expect(await page.locator("#linked-offers li").count()).toBe(0);
  });

  it("accepts an invitation through the provider from the invitation page", async () => {
    await verified(up, "carol-up", "carol@example.org");
    const invited = await down.createUser({ name: "carol", email: "carol@example.org" });
    const { token } = await issueEmailToken(down.tessera.ctx, {
      userId: invited.id,
      purpose: "invitation",
      validityMs: INVITATION_VALIDITY_MS,
      data: { email: invited.email },
    });
    const page = await newPage();
    await page.goto(`${down.issuer}/invitation#token=${token}`);
    const button = page.getByRole("link", { name: "Continue with Corp SSO" });
    await visible(button);
    await screenshot(page, "upstream-invitation");
    await button.click();
    await signInUpstream(page, "carol-up");
    await page.waitForURL((url) => url.origin === down.issuer && url.pathname === "/account", {
      timeout: WAIT_MS,
    });
    await hasText(page.locator("#me-name"), "carol");
    await hasText(page.locator("#linked-list .item-title"), "Corp SSO");
  });
});
