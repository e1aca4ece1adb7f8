/**
 * RP-initiated logout ends the Tessera session (issue 21 item 5), over real HTTP with a cookie
 * jar (Chromium does the same in test/e2e/oidc.test.ts): "Sign out" on the provider's page ends
 * the provider session and the Tessera session (cookie cleared, token dead, audited as a
 * sign-out); "Stay signed in" keeps the Tessera session; a logout request that reaches the
 * provider without the person's provider session (signed in to Tessera only) signs nobody out
 * of Tessera, even when its form is submitted.
 */
import * as oidc from "openid-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAuditEvents } from "../../../src/store/index.js";
import { follow, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import type { TestClient } from "../../helpers/server.js";

const REDIRECT_URI = "http://127.0.0.1:9/callback";
const BYE_URI = "http://127.0.0.1:9/bye";

/** The hidden fields of the provider's logout form (its `xsrf`). */
function xsrfOf(html: string): string {
  const value = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (value === undefined) throw new Error(`no xsrf in the page: ${html.slice(0, 300)}`);
  return value;
}

describe("RP-initiated logout and the Tessera session", () => {
  let server: OidcTestServer;
  let config: oidc.Configuration;
  beforeEach(async () => {
    server = await startOidcTestServer("sqlite");
    const { clientId, clientSecret } = await server.addClient({
      name: "Notes",
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [BYE_URI],
      firstParty: true,
    });
    config = await oidc.discovery(new URL(server.issuer), clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  afterEach(async () => {
    await server.close();
  });

  /** Signs a new person in through the app; their browser and ID token. */
  async function signedInThroughApp(): Promise<{
    browser: TestClient;
    idToken: string;
    userId: string;
  }> {
    const user = await server.createUser({});
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    const browser = server.browser();
    const first = await follow(browser, server.issuer, url.href);
    const next = new URL(first.final).searchParams.get("next")!;
    await browser.login(user.name, user.password);
    const back = await follow(browser, server.issuer, server.issuer + next);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.final), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    return { browser, idToken: tokens.id_token!, userId: user.id };
  }

  /** Opens the logout page for the ID token; the xsrf of its form. */
  async function logoutPage(browser: TestClient, idToken: string): Promise<string> {
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: BYE_URI,
    });
    const page = await browser.request("GET", url.href.slice(server.issuer.length));
    expect(page.status).toBe(200);
    expect(page.text).toContain("Sign out?");
    return xsrfOf(page.text);
  }

  function confirm(browser: TestClient, fields: Record<string, string>) {
    return browser.request("POST", "/oidc/logout/confirm", {
      body: new URLSearchParams(fields).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
  }

  it("ends the Tessera session on 'Sign out': the cookie is cleared and the token is dead", async () => {
    const { browser, idToken, userId } = await signedInThroughApp();
    const token = browser.cookies.get("token")!;
    expect((await browser.request("GET", "/me")).status).toBe(200);

    const answer = await confirm(browser, {
      xsrf: await logoutPage(browser, idToken),
      logout: "yes",
    });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe(BYE_URI);
    const cleared = answer.headers.getSetCookie().find((line) => line.startsWith("token="));
    expect(cleared).toMatch(/^token=;/);
    expect(cleared).toMatch(/HttpOnly/i);
    expect(cleared).toMatch(/SameSite=Lax/i);
    expect(cleared).toMatch(/Path=\//);
    expect(browser.cookies.has("token")).toBe(false);

    const replay = await server.browser().request("GET", "/me", {
      headers: { cookie: `token=${token}` },
    });
    expect(replay.status).toBe(401);
    const ended = await listAuditEvents(server.tessera.ctx.db, { event: "session_ended" });
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ userId, detail: { reason: "logout" } });
  });

  it("keeps the Tessera session on 'Stay signed in'", async () => {
    const { browser, idToken } = await signedInThroughApp();
    const answer = await confirm(browser, { xsrf: await logoutPage(browser, idToken) });
    expect(answer.status).toBe(303);
    expect(answer.headers.getSetCookie().some((line) => line.startsWith("token="))).toBe(false);
    expect((await browser.request("GET", "/me")).status).toBe(200);
  });

  it("signs nobody out of Tessera for a logout that has no provider session of theirs", async () => {
    const { idToken } = await signedInThroughApp();
    // Another browser, signed in to Tessera itself, is sent to the logout endpoint.
    const user = await server.createUser({});
    const other = server.browser();
    await other.login(user.name, user.password);
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: idToken });
    const page = await other.request("GET", url.href.slice(server.issuer.length));
    // No provider session: the provider submits the form by itself, with logout=yes.
    expect(page.status).toBe(200);
    const answer = await confirm(other, { xsrf: xsrfOf(page.text), logout: "yes" });
    expect(answer.status).toBe(303);
    expect(answer.headers.getSetCookie().some((line) => line.startsWith("token="))).toBe(false);
    expect((await other.request("GET", "/me")).status).toBe(200);
  });
});
