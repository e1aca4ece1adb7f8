/**
 * The device authorization grant (RFC 8628) and another person's session (issue 21 items 2 and
 * 8; a Better Auth advisory). Whoever approves a user code is who the device signs in as: that
 * is the flow. The attack is another person finishing an interaction someone else's browser
 * started: with A's interaction cookie but B's Tessera session, B is sent to sign in, cannot read
 * the consent details and cannot answer the consent, and the device stays pending until A
 * approves. The confirmation page names the client.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import { decodeJwt, postForm, runBrowser, type BrowserRun } from "../../helpers/oidc-flow.js";
import type { TestClient } from "../../helpers/server.js";

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const INTERACTION_COOKIE = "tessera_oidc_interaction";

describe("OpenID Connect: the device flow and another person's session", () => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite");
  });
  afterAll(async () => {
    await server.close();
  });

  /** A command-line client (public, device grant only), third-party unless said otherwise. */
  async function deviceClient(firstParty = false) {
    const { clientId } = await server.addClient({
      name: "Sync CLI",
      public: true,
      firstParty,
      grants: [DEVICE_GRANT, "refresh_token"],
      redirectUris: [],
    });
    return clientId;
  }

  /** The device's side: asks for a user code. */
  async function startDevice(clientId: string) {
    const answer = await postForm(server, "/oidc/device/auth", {
      client_id: clientId,
      scope: "openid email",
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as { device_code: string; user_code: string; verification_uri: string };
  }

  /** The device polls the token endpoint once. */
  function poll(clientId: string, deviceCode: string) {
    return postForm(server, "/oidc/token", {
      grant_type: DEVICE_GRANT,
      device_code: deviceCode,
      client_id: clientId,
    });
  }

  function xsrfOf(html: string): string {
    const match = /name="xsrf" value="([^"]+)"/.exec(html);
    expect(match, html).not.toBeNull();
    return match![1]!;
  }

  function form(fields: Record<string, string>) {
    return {
      body: new URLSearchParams(fields).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    };
  }

  /**
   * A browser enters a user code and confirms it: the confirmation page, then the browser's
   * run through sign-in (as `user`) to the consent page or the end.
   */
  async function enterCode(
    browser: TestClient,
    userCode: string,
    user: { name: string; password: string },
  ): Promise<{ confirmPage: string; run: BrowserRun }> {
    const input = await browser.request("GET", "/oidc/device");
    expect(input.status).toBe(200);
    const xsrf = xsrfOf(input.text);
    const confirmPage = await browser.request(
      "POST",
      "/oidc/device",
      form({ xsrf, user_code: userCode }),
    );
    expect(confirmPage.status, confirmPage.text).toBe(200);
    const confirmed = await browser.request(
      "POST",
      "/oidc/device",
      form({ xsrf: xsrfOf(confirmPage.text), user_code: userCode, confirm: "yes" }),
    );
    const location = confirmed.headers.get("location");
    expect(location, `${confirmed.status} ${confirmed.text}`).not.toBeNull();
    const run = await runBrowser(server, browser, new URL(location!, server.issuer).href, {
      user,
    });
    return { confirmPage: confirmPage.text, run };
  }

  it("names the client on the confirmation page and signs the device in as whoever approves", async () => {
    const clientId = await deviceClient(true);
    const a = await server.createUser({});
    const b = await server.createUser({});
    // A's command-line tool asks for a code; B's browser enters and approves it.
    const device = await startDevice(clientId);
    expect((await poll(clientId, device.device_code)).body.error).toBe("authorization_pending");
    const { confirmPage, run } = await enterCode(server.browser(), device.user_code, b);
    expect(confirmPage).toContain("<strong>Sync CLI</strong> asks to sign in as you on a device");
    expect(confirmPage).toContain(device.user_code);
    expect(run.pages).toEqual(["sign-in"]);
    expect(run.status).toBe(200);
    expect(run.text).toContain("<strong>Sync CLI</strong> is signed in");
    const tokens = await poll(clientId, device.device_code);
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    // The person who approved is the one signed in: B, not A.
    expect(decodeJwt(tokens.body.id_token as string).payload.sub).toBe(b.id);
    expect(decodeJwt(tokens.body.id_token as string).payload.sub).not.toBe(a.id);
    // A code approved once cannot be approved again.
    const late = server.browser();
    const again = await late.request("GET", "/oidc/device");
    const reused = await late.request(
      "POST",
      "/oidc/device",
      form({ xsrf: xsrfOf(again.text), user_code: device.user_code }),
    );
    // The code entry page again (oidc-provider re-renders it with 200), with the error.
    expect(reused.text).toContain("That code is wrong or has expired");
    expect(reused.text).not.toContain("asks to sign in as you");
  });

  it("answers a code posted without the page's session with the page again, not a 500", async () => {
    const clientId = await deviceClient();
    const device = await startDevice(clientId);
    const stranger = server.browser();
    const answer = await stranger.request(
      "POST",
      "/oidc/device",
      form({ xsrf: "0".repeat(48), user_code: device.user_code }),
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("Sign in a device");
    expect(answer.text).not.toContain("asks to sign in as you");
    expect((await poll(clientId, device.device_code)).body.error).toBe("authorization_pending");
  });

  it("does not let B finish, with B's session, the interaction A's browser started", async () => {
    const clientId = await deviceClient(false);
    const a = await server.createUser({});
    const b = await server.createUser({});
    const device = await startDevice(clientId);
    const aBrowser = server.browser();
    const { run } = await enterCode(aBrowser, device.user_code, a);
    // A signed in; the third-party client now asks A's consent.
    expect(run.pages).toEqual(["sign-in", "consent"]);
    const uid = run.final.searchParams.get("interaction")!;
    expect(uid).toMatch(/^[A-Za-z0-9_-]+$/);

    // B, signed in on another browser, holding A's interaction cookie (and its signature).
    const bBrowser = server.browser();
    await bBrowser.login(b.name, b.password);
    let copied = 0;
    for (const [name, value] of aBrowser.cookies) {
      if (name.startsWith(INTERACTION_COOKIE)) {
        bBrowser.cookies.set(name, value);
        copied += 1;
      }
    }
    expect(copied).toBeGreaterThan(0);

    // The interaction sends B to sign in (as A), not on to the consent page.
    const step = await bBrowser.request("GET", `/oidc/interaction/${uid}`);
    expect(step.status).toBe(303);
    const next = new URL(step.headers.get("location")!, server.issuer);
    expect(next.pathname).toBe("/");
    expect(next.searchParams.get("next")).toBe(`/oidc/interaction/${uid}`);
    // B can neither read what is asked nor answer it.
    const details = await bBrowser.request("GET", `/oidc/interaction/${uid}/details`);
    expect(details.status).toBe(401);
    const consent = await bBrowser.request("POST", `/oidc/interaction/${uid}/consent`, {
      json: { approve: true },
    });
    expect(consent.status).toBe(401);
    expect(consent.body.redirect_to).toBeUndefined();
    // A browser with B's session and no interaction cookie is not let in either.
    const noCookie = server.browser();
    await noCookie.login(b.name, b.password);
    const withoutCookie = await noCookie.request("POST", `/oidc/interaction/${uid}/consent`, {
      json: { approve: true },
    });
    expect(withoutCookie.status).toBe(404);
    expect(withoutCookie.body.code).toBe("interaction_expired");
    // The device is still waiting.
    expect((await poll(clientId, device.device_code)).body.error).toBe("authorization_pending");

    // A's own browser sees the request and approves it: the device signs in as A.
    const aDetails = await aBrowser.request("GET", `/oidc/interaction/${uid}/details`);
    expect(aDetails.status).toBe(200);
    expect(aDetails.body.client.name).toBe("Sync CLI");
    const approved = await aBrowser.request("POST", `/oidc/interaction/${uid}/consent`, {
      json: { approve: true },
    });
    expect(approved.status, approved.text).toBe(200);
    const done = await runBrowser(
      server,
      aBrowser,
      new URL(approved.body.redirect_to as string, server.issuer).href,
    );
    expect(done.status).toBe(200);
    expect(done.text).toContain("<strong>Sync CLI</strong> is signed in");
    const tokens = await poll(clientId, device.device_code);
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string).payload.sub).toBe(a.id);
  });
});
