/**
 * "Apps with access" against tokens the provider really issued (openid-client as the relying
 * party): a person consents to a third-party app, which gets tokens; the app is listed under
 * `GET /me/applications`; revoking it there makes its refresh and access tokens fail at once
 * and the next sign-in asks for consent again. An admin removing an app ends its tokens too.
 */
import * as oidc from "openid-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { follow, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import type { TestClient } from "../../helpers/server.js";

const REDIRECT_URI = "http://127.0.0.1:9/callback";

describe("apps with access: revoking ends the tokens (openid-client)", () => {
  let server: OidcTestServer;
  beforeEach(async () => {
    server = await startOidcTestServer("sqlite");
  });
  afterEach(async () => {
    await server.close();
  });

  async function discover(clientId: string, clientSecret?: string) {
    return oidc.discovery(new URL(server.issuer), clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  }

  /** Starts a sign-in of the app in `browser`; where the browser ends up. */
  async function startSignIn(config: oidc.Configuration, browser: TestClient) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid email offline_access",
      prompt: "consent",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    const hop = await follow(browser, server.issuer, url.href);
    return { hop, verifier, state };
  }

  /** Signs in through the app, consenting on the way; the app's tokens. */
  async function tokensFor(
    config: oidc.Configuration,
    browser: TestClient,
    user: { name: string; password: string },
  ) {
    const { hop, verifier, state } = await startSignIn(config, browser);
    const next = new URL(hop.final).searchParams.get("next")!;
    await browser.login(user.name, user.password);
    const atConsent = await follow(browser, server.issuer, server.issuer + next);
    expect(atConsent.final).toMatch(/\/consent\?interaction=/);
    const uid = new URL(atConsent.final).searchParams.get("interaction")!;
    const answer = await browser.request("POST", `/oidc/interaction/${uid}/consent`, {
      json: { approve: true },
    });
    expect(answer.status, answer.text).toBe(200);
    const back = await follow(browser, server.issuer, answer.body.redirect_to as string);
    expect(back.final.startsWith(REDIRECT_URI)).toBe(true);
    return oidc.authorizationCodeGrant(config, new URL(back.final), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
  }

  it("revoking on the account page makes the app's tokens fail and asks consent again", async () => {
    const user = await server.createUser({ email: "ada@example.org" });
    const { clientId, clientSecret } = await server.addClient({
      name: "Wiki",
      redirectUris: [REDIRECT_URI],
    });
    const config = await discover(clientId, clientSecret);
    const browser = server.browser();
    const tokens = await tokensFor(config, browser, user);
    expect(tokens.refresh_token).toBeTypeOf("string");
    expect((await oidc.fetchUserInfo(config, tokens.access_token, user.id)).sub).toBe(user.id);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);

    const listed = await browser.request("GET", "/me/applications");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      {
        client_id: clientId,
        name: "Wiki",
        first_party: false,
        scopes: expect.arrayContaining(["openid", "email", "offline_access"]),
        granted_at: expect.any(String),
      },
    ]);

    const revoked = await browser.request("DELETE", `/me/applications/${clientId}`);
    expect(revoked.status, revoked.text).toBe(204);
    expect((await browser.request("GET", "/me/applications")).body).toEqual([]);

    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, user.id)).rejects.toBeDefined();
    const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspected.active).toBe(false);

    // Still signed in to Tessera, but the app must ask for consent again.
    const { hop } = await startSignIn(config, browser);
    expect(hop.final).toMatch(/\/consent\?interaction=/);
  });

  it("removing an app (admin) ends the tokens it holds", async () => {
    const admin = await server.createUser({ isAdmin: true });
    const user = await server.createUser({});
    const { clientId, clientSecret } = await server.addClient({
      name: "Wiki",
      redirectUris: [REDIRECT_URI],
    });
    const config = await discover(clientId, clientSecret);
    const tokens = await tokensFor(config, server.browser(), user);

    // Another app of the same person keeps working.
    const other = await server.addClient({ name: "Notes", redirectUris: [REDIRECT_URI] });
    const otherConfig = await discover(other.clientId, other.clientSecret);
    const otherTokens = await tokensFor(otherConfig, server.browser(), user);

    // Its access token read at userinfo (the removed app can no longer authenticate to
    // introspect it, and a client introspects only its own tokens).
    const live = async () =>
      oidc.fetchUserInfo(config, tokens.access_token, user.id).then(
        () => true,
        () => false,
      );
    expect(await live()).toBe(true);
    const issued = () =>
      server.tessera.ctx.db
        .selectFrom("oidc_artefacts")
        .select("model")
        .where("client_id", "=", clientId)
        .execute();
    expect((await issued()).map((row) => row.model)).toEqual(
      expect.arrayContaining(["Grant", "AccessToken", "RefreshToken"]),
    );

    const console = server.browser();
    await console.login(admin.name, admin.password);
    const removed = await console.request("DELETE", `/applications/${clientId}`);
    expect(removed.status, removed.text).toBe(204);
    expect(await live()).toBe(false);
    expect(await issued()).toEqual([]);
    const refreshed = await oidc.refreshTokenGrant(otherConfig, otherTokens.refresh_token!);
    expect(refreshed.access_token).toBeTypeOf("string");
  });
});
