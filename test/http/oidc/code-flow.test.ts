/**
 * The authorization code flow with PKCE through Tessera's provider, driven by panva's
 * openid-client (a relying party nobody here wrote) over real HTTP: discovery, the browser's
 * hops through Tessera's sign-in (a cookie jar here; Chromium in test/e2e/oidc.test.ts), the
 * code exchange, the ID token checked against the JWKS, userinfo, refresh, revocation and
 * RP-initiated logout.
 */
import * as oidc from "openid-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { follow, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import { authorizationRequest, REDIRECT_URI } from "../../helpers/oidc-flow.js";

describe("OpenID Connect: authorization code with PKCE (openid-client)", () => {
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

  async function signInThroughApp(
    config: oidc.Configuration,
    user: { name: string; password: string },
    extra: Record<string, string> = {},
  ) {
    const { url, verifier, state, nonce } = await authorizationRequest(config, extra);
    const browser = server.browser();
    const first = await follow(browser, server.issuer, url.href);
    // Not signed in: the provider sent the browser to Tessera's sign-in page.
    expect(first.final).toMatch(/\/\?next=%2Foidc%2Finteraction%2F/);
    const next = new URL(first.final).searchParams.get("next")!;
    await browser.login(user.name, user.password);
    const back = await follow(browser, server.issuer, server.issuer + next);
    return { back, verifier, state, nonce, browser };
  }

  it("signs a person in to a first-party app and gives it tokens, userinfo, refresh and logout", async () => {
    const user = await server.createUser({ email: "ada@example.org" });
    const { clientId, clientSecret } = await server.addClient({
      name: "Notes",
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      postLogoutRedirectUris: ["http://127.0.0.1:9/bye"],
    });
    const config = await discover(clientId, clientSecret);
    expect(config.serverMetadata().issuer).toBe(server.issuer);
    expect(config.serverMetadata().code_challenge_methods_supported).toEqual(["S256"]);
    expect(config.serverMetadata().authorization_response_iss_parameter_supported).toBe(true);

    const { back, verifier, state, nonce } = await signInThroughApp(config, user);
    expect(back.final.startsWith(REDIRECT_URI)).toBe(true);
    const callback = new URL(back.final);
    expect(callback.searchParams.get("iss")).toBe(server.issuer); // RFC 9207

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(user.id);
    expect(claims.email).toBe("ada@example.org");
    expect(claims.preferred_username).toBe(user.name);
    expect(claims.amr).toEqual(["pwd"]);
    expect(typeof claims.auth_time).toBe("number");
    expect(typeof claims.sid).toBe("string");
    expect(tokens.refresh_token).toBeTypeOf("string");

    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info.email).toBe("ada@example.org");

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()!.sub).toBe(user.id);

    await oidc.tokenRevocation(config, refreshed.refresh_token!);
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });
});
