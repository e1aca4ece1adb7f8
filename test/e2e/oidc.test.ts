/**
 * Issue 21 in a real browser: an app nobody here wrote (panva's openid-client in a small web
 * app on another site, ./relying-party.ts) sends Chromium to Tessera, which signs the person in
 * on its own pages (password and an authenticator app code), asks for consent for a third-party
 * app, and sends them back signed in; then the app's refresh and userinfo, and RP-initiated
 * logout, which ends the Tessera session and reaches the app's back-channel logout URI with a
 * logout token it verifies against the JWKS. Also: Deny, which the app hears as `access_denied`,
 * and a consent page for a request that is over; single sign-on at a first-party app for a
 * person already signed in (no form at all), `prompt=login` asking them to confirm it is you,
 * `acr_values` asking for a second factor they set up on the account page on the way, and the
 * second factor an operator requires (`TESSERA_REQUIRE_2FA`), with the way back to the app.
 *
 * The server runs on the real clock (the provider keeps time with it), so TOTP codes are made
 * at the real time; a step is accepted once, so each use takes a later step than the one
 * before, within the window of one step either side.
 */
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oidc from "openid-client";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateTotp } from "../../src/core/totp.js";
import { startOidcTestServer, type OidcTestServer } from "../helpers/oidc.js";
import { createClient } from "../helpers/server.js";
import {
  buildPages,
  hasText,
  hidden,
  launchBrowser,
  screenshot,
  skipBrowserTests,
  submitCredentials,
  visible,
  WAIT_MS,
} from "./helpers.js";
import { startRelyingParty, type RelyingParty } from "./relying-party.js";

const PASSWORD = "a long passphrase for all my apps";
/** A TOTP time step. */
const TOTP_STEP_MS = 30_000;
/** `acr_values` for a second factor (services/oidc/request-session.ts). */
const ACR_SECOND_FACTOR = "urn:tessera:loa:2";
const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/** The TOTP code `offsetSteps` steps from now. */
function totpCode(secret: string, offsetSteps = 0): string {
  return generateTotp(secret, { clock: () => Date.now() + offsetSteps * TOTP_STEP_MS });
}

describe.skipIf(skipBrowserTests())(
  "OpenID Connect in a browser (openid-client as the app)",
  () => {
    let browser: Browser;
    let server: OidcTestServer;
    let rp: RelyingParty;
    let context: BrowserContext;
    let page: Page;
    /** Requests to neither Tessera nor the app; Content-Security-Policy violations. */
    const foreignRequests: string[] = [];
    const cspViolations: string[] = [];

    beforeAll(async () => {
      buildPages();
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function open(env: Record<string, string> = {}): Promise<void> {
      server = await startOidcTestServer("sqlite", { env });
      rp = await startRelyingParty();
      context = await browser.newContext({
        viewport: { width: 1000, height: 800 },
        locale: "en-GB",
      });
      context.on("request", (request) => {
        const url = request.url();
        if (
          ![`${server.issuer}/`, `${rp.origin}/`, "data:"].some((start) => url.startsWith(start))
        ) {
          foreignRequests.push(url);
        }
      });
      page = await context.newPage();
      page.on("console", (message) => {
        if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
      });
    }

    beforeEach(() => {
      foreignRequests.length = 0;
      cspViolations.length = 0;
    });

    afterEach(async (test) => {
      if (test.task.result?.state === "fail" && page !== undefined && !page.isClosed()) {
        await screenshot(page, `FAILED-oidc`).catch(() => undefined);
        const messages = await page
          .locator(".message:not(:empty)")
          .allTextContents()
          .catch(() => []);
        console.error(`[tessera e2e] oidc at ${page.url()}: ${messages.join(" | ")}`);
      }
      await context?.close();
      await rp?.close();
      await server?.close();
    });

    /** A user with an authenticator app, turned on through the API; their TOTP secret. */
    async function userWithTotp(name: string, email: string) {
      const user = await server.createUser({ name, email, password: PASSWORD });
      const api = createClient(server.baseUrl, server.issuer);
      await api.login(name, PASSWORD);
      const setup = await api.request("POST", `/users/${user.id}/2fa/totp/setup`);
      expect(setup.status, setup.text).toBe(200);
      const secret = setup.body.secret as string;
      // The step before now, so that a sign-in now may use the current one. Should the step
      // change between making the code and checking it, the next try takes the new one.
      let confirmed = await api.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
        json: { code: totpCode(secret, -1) },
      });
      if (confirmed.status !== 200) {
        confirmed = await api.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
          json: { code: totpCode(secret, -1) },
        });
      }
      expect(confirmed.status, confirmed.text).toBe(200);
      await api.request("POST", "/logout");
      return { user, secret };
    }

    /** Waits for a page of Tessera's at `path` (and, if given, a `next` to an interaction). */
    async function onTessera(path: string, withNext = false): Promise<URL> {
      await page.waitForURL(
        (url) =>
          url.origin === server.issuer &&
          url.pathname === path &&
          (!withNext || (url.searchParams.get("next") ?? "").startsWith("/oidc/interaction/")),
        { timeout: WAIT_MS },
      );
      return new URL(page.url());
    }

    /** Waits until the browser is back at the app's callback, signed in. */
    async function backAtApp(): Promise<void> {
      await page.waitForURL((url) => url.origin === rp.origin && url.pathname === "/callback", {
        timeout: WAIT_MS,
      });
      await hasText(page.locator("#status"), "signed in");
    }

    /** Which element has the focus (its id). */
    function focused(): Promise<string | undefined> {
      return page.evaluate(() => document.activeElement?.id);
    }

    it("signs in with password and TOTP, asks consent, refreshes, reads userinfo, and logs out everywhere", async () => {
      await open();
      const { user, secret } = await userWithTotp("ada", "ada@example.org");
      const { clientId, clientSecret } = await server.addClient({
        name: "Photo Book",
        redirectUris: [rp.redirectUri],
        postLogoutRedirectUris: [rp.postLogoutRedirectUri],
        backchannelLogoutUri: rp.backchannelLogoutUri,
      });
      const config = await rp.configure(server.issuer, clientId, clientSecret);

      // The app sends the browser to Tessera, which is not signed in: the sign-in page.
      await page.goto(`${rp.origin}/login`);
      await onTessera("/", true);
      const credentials = page.locator("#credentials-step");
      await visible(credentials);
      expect(await page.locator("#name").getAttribute("autocomplete")).toBe("username webauthn");
      expect(await page.locator("#password").getAttribute("autocomplete")).toBe("current-password");
      await submitCredentials(page, user.name, PASSWORD);
      const totp = page.locator("#totp-form");
      await visible(totp);
      const code = totp.getByLabel("Authentication code");
      expect(await code.getAttribute("autocomplete")).toBe("one-time-code");
      await code.fill(totpCode(secret));
      await screenshot(page, "oidc-sign-in-totp");
      await totp.getByRole("button", { name: "Verify" }).click();

      // A third-party app: the consent page names it and what it asks for, in plain words.
      const consentUrl = await onTessera("/consent");
      expect(consentUrl.searchParams.get("interaction")).toMatch(/^[A-Za-z0-9_-]+$/);
      const heading = page.getByRole("heading", { level: 1, name: "Photo Book wants to:" });
      await visible(heading);
      await expect.poll(focused, { timeout: WAIT_MS }).toBe("consent-title");
      expect(await page.locator("#scope-list li").allTextContents()).toEqual([
        "sign you in",
        "see your email address",
        "see your name",
      ]);
      await hasText(page.locator("#me-name"), "ada");
      await screenshot(page, "oidc-consent");
      await page.getByRole("button", { name: "Allow" }).click();

      // Back at the app, signed in, with the second factor in the ID token.
      await backAtApp();
      await hasText(page.locator("#sub"), user.id);
      await hasText(page.locator("#email"), "ada@example.org");
      await hasText(page.locator("#acr"), ACR_SECOND_FACTOR);
      expect(((await page.locator("#amr").textContent()) ?? "").split(" ").sort()).toEqual([
        "mfa",
        "otp",
        "pwd",
      ]);
      const sid = ((await page.locator("#sid").textContent()) ?? "").trim();
      expect(sid).not.toBe("");

      // The app reads userinfo and refreshes its tokens.
      await page.goto(`${rp.origin}/userinfo`);
      await hasText(page.locator("#userinfo-email"), "ada@example.org");
      const session = [...rp.sessions.values()][0]!;
      const firstRefresh = session.tokens?.refresh_token;
      expect(firstRefresh).toBeTypeOf("string");
      await page.goto(`${rp.origin}/refresh`);
      await hasText(page.locator("#refreshed"), user.id);
      const refreshToken = session.tokens?.refresh_token;
      expect(refreshToken).toBeTypeOf("string");
      expect(refreshToken).not.toBe(firstRefresh);

      // RP-initiated logout: the provider's page (in Tessera's look) asks; "Sign out".
      const tesseraToken = (await context.cookies(server.issuer)).find((c) => c.name === "token");
      expect(tesseraToken).toBeDefined();
      await page.goto(`${rp.origin}/logout`);
      await onTessera("/oidc/logout");
      await visible(page.getByRole("heading", { level: 1, name: "Sign out?" }));
      expect(await page.locator('link[rel="stylesheet"]').getAttribute("href")).toBe(
        "/assets/styles.css",
      );
      // The stylesheet applies: the card is the built pages' card.
      expect(
        await page.evaluate(() =>
          Array.from(document.styleSheets).some((sheet) => sheet.cssRules.length > 0),
        ),
      ).toBe(true);
      await screenshot(page, "oidc-logout-confirm");
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await page.waitForURL((url) => url.origin === rp.origin && url.pathname === "/bye", {
        timeout: WAIT_MS,
      });
      await hasText(page.locator("#state"), "bye-state");

      // The Tessera session ended with it: the cookie is gone, and the token no longer works.
      expect((await context.cookies(server.issuer)).some((c) => c.name === "token")).toBe(false);
      expect((await context.request.get(`${server.issuer}/me`)).status()).toBe(401);
      const replay = await createClient(server.baseUrl, server.issuer).request("GET", "/me", {
        headers: { cookie: `token=${tesseraToken!.value}` },
      });
      expect(replay.status).toBe(401);
      // The refresh token of that session's grant (no offline_access) is revoked.
      await expect(oidc.refreshTokenGrant(config, refreshToken!)).rejects.toMatchObject({
        error: "invalid_grant",
      });

      // The app's back-channel logout URI received a logout token it can verify.
      await expect.poll(() => rp.logoutTokens.length, { timeout: WAIT_MS }).toBe(1);
      const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
      const { payload } = await jwtVerify(rp.logoutTokens[0]!, jwks, {
        issuer: server.issuer,
        audience: clientId,
        typ: "logout+jwt",
      });
      expect(payload.events).toEqual({ [BACKCHANNEL_LOGOUT_EVENT]: {} });
      expect(payload.sid).toBe(sid);
      expect(payload.sub).toBe(user.id);
      expect(payload.nonce).toBeUndefined();
      expect(payload.jti).toBeTypeOf("string");
      expect(payload.iat).toBeTypeOf("number");

      expect(cspViolations).toEqual([]);
      expect(foreignRequests).toEqual([]);
    });

    it("tells the app when the person denies, and says so when a request has expired", async () => {
      await open();
      const user = await server.createUser({
        name: "mary",
        email: "mary@example.org",
        password: PASSWORD,
      });
      const { clientId, clientSecret } = await server.addClient({
        name: "Ad Network",
        redirectUris: [rp.redirectUri],
      });
      await rp.configure(server.issuer, clientId, clientSecret);

      await page.goto(`${rp.origin}/login`);
      await onTessera("/", true);
      await submitCredentials(page, user.name, PASSWORD);
      await onTessera("/consent");
      await visible(page.getByRole("heading", { level: 1, name: "Ad Network wants to:" }));
      await page.getByRole("button", { name: "Deny" }).click();
      await page.waitForURL((url) => url.origin === rp.origin && url.pathname === "/callback", {
        timeout: WAIT_MS,
      });
      await hasText(page.locator("#error"), "access_denied");

      // A consent page for a request that is over (or never was) says what to do.
      await page.goto(`${server.issuer}/consent?interaction=gone-long-ago`);
      await visible(page.getByRole("heading", { level: 1, name: "This sign-in cannot go on" }));
      await hasText(page.locator("#problem-text"), /expired or was already finished/);
      await expect.poll(focused, { timeout: WAIT_MS }).toBe("problem-title");
      await page.goto(`${server.issuer}/consent`);
      await hasText(page.locator("#problem-text"), /does not name one/);

      expect(cspViolations).toEqual([]);
      expect(foreignRequests).toEqual([]);
    });

    it("gives a person signed in to Tessera single sign-on at a first-party app, and asks again for prompt=login", async () => {
      await open();
      const user = await server.createUser({
        name: "grace",
        email: "grace@example.org",
        password: PASSWORD,
      });
      const { clientId, clientSecret } = await server.addClient({
        name: "Team Wiki",
        redirectUris: [rp.redirectUri],
        firstParty: true,
      });
      await rp.configure(server.issuer, clientId, clientSecret);

      await page.goto(`${server.issuer}/`);
      await submitCredentials(page, user.name, PASSWORD);
      await onTessera("/account");

      // No sign-in form, no consent: every page the browser showed on the way is the app's.
      const shown: string[] = [];
      page.on("framenavigated", (frame) => {
        if (frame === page.mainFrame()) shown.push(frame.url());
      });
      await page.goto(`${rp.origin}/login`);
      await backAtApp();
      await hasText(page.locator("#sub"), user.id);
      expect(shown.filter((url) => !url.startsWith(`${rp.origin}/`))).toEqual([]);

      // prompt=login: the sign-in page asks the signed-in person to confirm it is them.
      await page.goto(`${rp.origin}/login?prompt=login`);
      const signIn = await onTessera("/", true);
      expect(signIn.searchParams.get("reauthenticate")).toBe("any");
      const step = page.locator("#reauthenticate-step");
      await visible(step);
      await hidden(page.locator("#credentials-step"));
      await expect.poll(focused, { timeout: WAIT_MS }).toBe("reauthenticate-title");
      const password = step.getByLabel("Your password");
      expect(await password.getAttribute("autocomplete")).toBe("current-password");
      await screenshot(page, "oidc-reauthenticate");
      await password.fill("not my password");
      await step.getByRole("button", { name: "Confirm with password" }).click();
      await hasText(
        step.locator("#reauthenticate-forms .message"),
        "The current password is wrong.",
      );
      await password.fill(PASSWORD);
      await step.getByRole("button", { name: "Confirm with password" }).click();
      await backAtApp();
      await hasText(page.locator("#sub"), user.id);

      expect(cspViolations).toEqual([]);
      expect(foreignRequests).toEqual([]);
    });

    it("asks for a second factor with acr_values; one set up on the way leads back to the app", async () => {
      await open();
      const user = await server.createUser({
        name: "linus",
        email: "linus@example.org",
        password: PASSWORD,
      });
      const { clientId, clientSecret } = await server.addClient({
        name: "Build Server",
        redirectUris: [rp.redirectUri],
        firstParty: true,
      });
      await rp.configure(server.issuer, clientId, clientSecret);
      await page.goto(`${server.issuer}/`);
      await submitCredentials(page, user.name, PASSWORD);
      await onTessera("/account");

      // The account has no second factor: the sign-in page says so and leads to the set-up.
      await page.goto(`${rp.origin}/login?acr_values=${encodeURIComponent(ACR_SECOND_FACTOR)}`);
      const signIn = await onTessera("/", true);
      expect(signIn.searchParams.get("reauthenticate")).toBe("second-factor");
      const step = page.locator("#reauthenticate-step");
      await visible(step);
      await hasText(step.locator("#reauthenticate-intro"), /has none yet/);
      await step.getByRole("link", { name: "Set up a second factor" }).click();
      const account = await onTessera("/account");
      expect(account.searchParams.get("next")).toBe(signIn.searchParams.get("next"));

      await page.getByRole("button", { name: "Set up authenticator app" }).click();
      await visible(page.getByRole("img", { name: "QR code for the authenticator app" }));
      const secret = ((await page.locator("#totp-secret").textContent()) ?? "").replace(/\s/g, "");
      const form = page.locator("#totp-confirm-form");
      await form.getByLabel("Authentication code").fill(totpCode(secret));
      await form.getByRole("button", { name: "Confirm" }).click();

      // Set up: the way back to the application.
      const notice = page.locator("#continue-notice");
      await visible(notice);
      await expect.poll(focused, { timeout: WAIT_MS }).toBe("continue-title");
      await screenshot(page, "oidc-continue");
      await notice.getByRole("link", { name: "Continue to the application" }).click();

      // The session was opened with the password alone: the app's sign-in asks for the code.
      await onTessera("/", true);
      await visible(step);
      await hasText(step.locator("#reauthenticate-intro"), /second factor/);
      expect(await step.getByLabel("Your password").count()).toBe(0);
      const code = step.getByLabel("A code from your authenticator app");
      expect(await code.getAttribute("autocomplete")).toBe("one-time-code");
      // The set-up used the current step: the next one.
      await code.fill(totpCode(secret, 1));
      await step.getByRole("button", { name: "Confirm with code" }).click();
      await backAtApp();
      await hasText(page.locator("#acr"), ACR_SECOND_FACTOR);

      expect(cspViolations).toEqual([]);
      expect(foreignRequests).toEqual([]);
    });

    it("takes a person who owes a second factor (TESSERA_REQUIRE_2FA) to set one up, then on to the app", async () => {
      await open({ TESSERA_REQUIRE_2FA: "all" });
      const user = await server.createUser({
        name: "ines",
        email: "ines@example.org",
        password: PASSWORD,
      });
      const { clientId, clientSecret } = await server.addClient({
        name: "Time Sheets",
        redirectUris: [rp.redirectUri],
        firstParty: true,
      });
      await rp.configure(server.issuer, clientId, clientSecret);

      await page.goto(`${rp.origin}/login`);
      await onTessera("/", true);
      await submitCredentials(page, user.name, PASSWORD);
      const account = await onTessera("/account");
      expect(account.searchParams.get("next")).toMatch(/^\/oidc\/interaction\//);
      await visible(page.getByRole("heading", { name: "Set up a second factor" }));
      await hidden(page.locator("#continue-notice"));

      await page.getByRole("button", { name: "Set up authenticator app" }).click();
      await visible(page.getByRole("img", { name: "QR code for the authenticator app" }));
      const secret = ((await page.locator("#totp-secret").textContent()) ?? "").replace(/\s/g, "");
      const form = page.locator("#totp-confirm-form");
      await form.getByLabel("Authentication code").fill(totpCode(secret));
      await form.getByRole("button", { name: "Confirm" }).click();

      // The page reloads as a whole account page, with the way back on top.
      const notice = page.locator("#continue-notice");
      await visible(notice);
      await hidden(page.locator("#enrolment-notice"));
      await notice.getByRole("link", { name: "Continue to the application" }).click();
      await backAtApp();
      await hasText(page.locator("#sub"), user.id);

      expect(cspViolations).toEqual([]);
      expect(foreignRequests).toEqual([]);
    });
  },
);
