/**
 * The pseudo-locale test (issue 24 item 3): every page of `PAGE_ROUTES`, in the generated
 * pseudo-language `en-XA` (`buildApp(…, { pseudoLocale: true })`, chosen with the
 * `tessera_locale` cookie), shows no text a person reads outside ⟦…⟧: whatever does was not
 * taken from the catalogues (src/contract/messages/). The pages are visited as their script left
 * them after loading (some twice: with and without the token of their mailed link), the
 * account and admin pages signed in as an admin, the consent page during a real sign-in at an
 * application. `untranslatedTexts` (./untranslated.ts) says what is read and what is skipped.
 * Each offender is printed with its CSS path, and all of them are written to
 * test-results/e2e/pseudo-locale-offenders.txt.
 */
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { LOCALE_COOKIE } from "../../src/contract/locale.js";
import { PSEUDO_LOCALE } from "../../src/core/i18n.js";
import { PAGE_ROUTES } from "../../src/http/routes/pages.js";
import { INVITATION_VALIDITY_MS } from "../../src/services/account/invitations.js";
import { createUser } from "../../src/services/account/users.js";
import { issueEmailToken } from "../../src/services/mail/email-tokens.js";
import { addOidcClient } from "../../src/services/oidc/clients.js";
import type { OidcClientInput } from "../../src/services/oidc/client-metadata.js";
import {
  hasText,
  RESULTS_DIR,
  screenshot,
  signIn,
  skipBrowserTests,
  useE2e,
  visible,
  WAIT_MS,
} from "./helpers.js";
import { formatOffenders, untranslatedTexts } from "./untranslated.js";

const ADMIN = {
  name: "olga",
  email: "olga@example.org",
  password: "a long passphrase for pseudo text",
};
const INVITEE = { name: "ivo", email: "ivo@example.org" };
const REDIRECT_URI = "http://127.0.0.1:9/callback";
const OFFENDERS_FILE = join(RESULTS_DIR, "pseudo-locale-offenders.txt");

/** Waits until the element has some text (a message the page's script wrote). */
async function hasSomeText(page: Page, selector: string): Promise<void> {
  await expect
    .poll(async () => ((await page.locator(selector).textContent()) ?? "").trim().length, {
      timeout: WAIT_MS,
    })
    .toBeGreaterThan(0);
}

describe.skipIf(skipBrowserTests())("every page in the pseudo-language", () => {
  const e2e = useE2e({
    env: { TESSERA_SIGNUP: "open" },
    app: { pseudoLocale: true },
    users: [{ ...ADMIN, isAdmin: true }],
    tabs: ["visitor", "admin"],
  });
  const { visitor, admin } = e2e.tabs;

  beforeAll(async () => {
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(OFFENDERS_FILE, "");
    // The admin signs in as the other browser tests do (in English), then both browsers choose
    // the pseudo-language as the picker would.
    await signIn(admin.page, ADMIN.name, ADMIN.password);
    await admin.page.waitForURL("**/account", { timeout: WAIT_MS });
    // (expect.poll works only in a test.)
    await admin.page.waitForFunction(
      (name) => document.getElementById("header-user")?.textContent === name,
      ADMIN.name,
      { timeout: WAIT_MS },
    );
    for (const { context } of [visitor, admin]) {
      await context.addCookies([
        { name: LOCALE_COOKIE, value: PSEUDO_LOCALE, url: e2e.server.baseUrl },
      ]);
    }
  });

  /**
   * Checks the page as it is now: in the pseudo-language, nothing outside ⟦…⟧. Prints and
   * records the offenders, keeps a screenshot.
   */
  async function expectAllPseudo(page: Page, name: string): Promise<void> {
    await page.waitForLoadState("networkidle");
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(PSEUDO_LOCALE);
    await screenshot(page, `pseudo-${name}`);
    const offenders = await untranslatedTexts(page);
    const listed = formatOffenders(offenders);
    appendFileSync(
      OFFENDERS_FILE,
      `== ${name} (${new URL(page.url()).pathname}): ${offenders.length}\n${listed}${listed === "" ? "" : "\n"}`,
    );
    if (offenders.length > 0) console.error(`[pseudo-locale] ${name}:\n${listed}`);
    expect(listed, `texts outside ⟦…⟧ on ${name}`).toBe("");
  }

  it("visits every page of PAGE_ROUTES", () => {
    // The pages below: a new page needs its visit here.
    expect(Object.keys(PAGE_ROUTES).sort()).toEqual(
      [
        "/",
        "/account",
        "/admin",
        "/consent",
        "/invitation",
        "/not-me",
        "/reset-password",
        "/signup",
        "/verify-email",
      ].sort(),
    );
  });

  it("/ (sign-in)", async () => {
    const page = visitor.page;
    await page.goto("/");
    await visible(page.locator("#credentials-step"));
    await expectAllPseudo(page, "sign-in");
  });

  it("/account, signed in as an admin", async () => {
    const page = admin.page;
    await page.goto("/account");
    await visible(page.locator("#account-content"));
    await hasText(page.locator("#header-user"), ADMIN.name);
    await visible(page.locator("#sessions-title"));
    await expectAllPseudo(page, "account");
  });

  it("/admin, signed in as an admin", async () => {
    const page = admin.page;
    await page.goto("/admin");
    await visible(page.locator("#admin-content"));
    await visible(page.locator("#user-list li").first());
    await expectAllPseudo(page, "admin");
  });

  it("/reset-password, asking for the link", async () => {
    const page = visitor.page;
    await page.goto("/reset-password");
    await visible(page.locator("#request-step"));
    await expectAllPseudo(page, "reset-password");
  });

  it("/reset-password, from the link", async () => {
    const page = visitor.page;
    await page.goto("/reset-password#token=a-token-from-the-mail");
    await visible(page.locator("#reset-step"));
    await expectAllPseudo(page, "reset-password-token");
  });

  it("/not-me, without the link's token", async () => {
    const page = visitor.page;
    await page.goto("/not-me");
    await hasSomeText(page, "#not-me-message");
    await expectAllPseudo(page, "not-me");
  });

  it("/not-me, from the link", async () => {
    const page = visitor.page;
    await page.goto("/not-me#token=a-token-from-the-mail");
    await visible(page.locator("#not-me-confirm"));
    await expectAllPseudo(page, "not-me-token");
  });

  it("/verify-email, without the link's token", async () => {
    const page = visitor.page;
    await page.goto("/verify-email");
    await hasSomeText(page, "#verify-message");
    await expectAllPseudo(page, "verify-email");
  });

  it("/verify-email, from the link", async () => {
    const page = visitor.page;
    await page.goto("/verify-email#token=a-token-from-the-mail");
    await visible(page.locator("#verify-button"));
    await expectAllPseudo(page, "verify-email-token");
  });

  it("/invitation, without the link's token", async () => {
    const page = visitor.page;
    await page.goto("/invitation");
    await hasSomeText(page, "#invitation-problem");
    await expectAllPseudo(page, "invitation");
  });

  it("/invitation, from a real invitation", async () => {
    const tessera = e2e.server.app.tessera;
    const { id } = await createUser(tessera, null, { ...INVITEE, isAdmin: false, invite: true });
    // The link's token, as the mail (dropped here) would carry it.
    const { token } = await issueEmailToken(tessera, {
      userId: id,
      purpose: "invitation",
      validityMs: INVITATION_VALIDITY_MS,
      data: { email: INVITEE.email },
    });
    const page = visitor.page;
    await page.goto(`/invitation#token=${token}`);
    await visible(page.locator("#invitation-form"));
    await expectAllPseudo(page, "invitation-token");
  });

  it("/signup (open sign-up)", async () => {
    const page = visitor.page;
    await page.goto("/signup");
    await visible(page.locator("#signup-step"));
    await expectAllPseudo(page, "signup");
  });

  it("/consent, for a request that is over", async () => {
    const page = visitor.page;
    await page.goto("/consent?interaction=gone-long-ago");
    await visible(page.locator("#consent-problem"));
    await hasSomeText(page, "#problem-text");
    await expectAllPseudo(page, "consent-problem");
  });

  it("/consent, during an application's sign-in", async () => {
    const { clientId } = await addOidcClient(e2e.server.app.tessera, {
      name: "Photo Book",
      redirectUris: [REDIRECT_URI],
    } as OidcClientInput);
    const verifier = randomBytes(32).toString("base64url");
    const authorize = new URL("/oidc/auth", e2e.server.baseUrl);
    for (const [name, value] of Object.entries({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: "openid email profile",
      state: randomBytes(8).toString("base64url"),
      nonce: randomBytes(8).toString("base64url"),
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
    })) {
      authorize.searchParams.set(name, value);
    }
    // The admin is signed in to Tessera: the application's request goes to the consent page.
    const page = admin.page;
    await page.goto(authorize.href);
    await page.waitForURL((url) => url.pathname === "/consent", { timeout: WAIT_MS });
    await visible(page.locator("#consent-step"));
    await hasText(page.locator("#client-name"), "Photo Book");
    await expectAllPseudo(page, "consent");
  });
});
