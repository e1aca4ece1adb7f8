/**
 * A person signing in to an app through Tessera's provider, as openid-client (the relying
 * party) and a browser (a cookie jar following redirects, `follow`) do it: the authorization
 * request with PKCE, Tessera's sign-in, the consent page when the app is third-party, and the
 * code exchange.
 */
import * as oidc from "openid-client";
import { expect } from "vitest";
import { follow, type OidcTestServer } from "./oidc.js";
import type { TestClient } from "./server.js";

/** openid-client's configuration for a client of the test server (http allowed). */
export async function discoverClient(
  server: OidcTestServer,
  clientId: string,
  clientSecret?: string,
): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(server.issuer), clientId, clientSecret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
}

export interface SignedInApp {
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  browser: TestClient;
}

/**
 * Signs `user` in to the app of `config` from a new browser and exchanges the code; answers
 * the consent page (approving, unless `approve` is false: then the callback's error is
 * returned instead of tokens).
 */
export async function signInToApp(
  server: OidcTestServer,
  config: oidc.Configuration,
  user: { name: string; password: string },
  options: { redirectUri: string; scope?: string; approve?: boolean },
): Promise<SignedInApp & { callback: URL }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: options.scope ?? "openid email profile",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  const browser = server.browser();
  const first = await follow(browser, server.issuer, url.href);
  expect(first.final).toMatch(/\/\?next=%2Foidc%2Finteraction%2F/);
  await browser.login(user.name, user.password);
  let back = await follow(
    browser,
    server.issuer,
    server.issuer + new URL(first.final).searchParams.get("next")!,
  );
  const consent = /\/consent\?interaction=([^&]+)$/.exec(back.final);
  if (consent !== null) {
    const answer = await browser.request("POST", `/oidc/interaction/${consent[1]}/consent`, {
      json: { approve: options.approve ?? true },
    });
    expect(answer.status).toBe(200);
    back = await follow(
      browser,
      server.issuer,
      new URL(answer.body.redirect_to, server.issuer).href,
    );
  }
  const callback = new URL(back.final);
  expect(callback.href.startsWith(options.redirectUri)).toBe(true);
  if (callback.searchParams.has("error")) {
    return { callback, browser, tokens: undefined as never };
  }
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { callback, browser, tokens };
}
