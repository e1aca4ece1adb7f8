/**
 * The OpenID Foundation's Basic OP certification plan (oidcc-basic-certification-test-plan),
 * module by module, as far as a test here can play the suite's part: openid-client and fetch as
 * the relying party, a cookie jar as the browser. The suite itself is not run (it needs its
 * hosted service); each `it` names the module whose check it repeats. The README's checklist
 * ("Sign in to your other apps") names this file for the modules marked as tested here.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestClient } from "../../helpers/server.js";
import { follow, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";

const REDIRECT_URI = "http://127.0.0.1:9/basic-op/callback";

/** Waits `ms` so that an authentication becomes old (max_age=1; prompt=login's new auth_time). */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("OpenID Connect: the Basic OP plan's modules", () => {
  let server: OidcTestServer;
  let config: oidc.Configuration;
  let clientId: string;
  let clientSecret: string;
  let user: Awaited<ReturnType<OidcTestServer["createUser"]>>;

  beforeAll(async () => {
    server = await startOidcTestServer("sqlite");
    user = await server.createUser({ email: "basic-op@example.org" });
    ({ clientId, clientSecret } = (await server.addClient({
      name: "Conformance RP",
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    })) as { clientId: string; clientSecret: string });
    config = await oidc.discovery(new URL(server.issuer), clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function signedIn(): Promise<TestClient> {
    const browser = server.browser();
    await browser.login(user.name, user.password);
    return browser;
  }

  /** An authorization request (PKCE S256, state) with `params`; where the browser ends. */
  async function authorize(browser: TestClient, params: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      ...params,
    });
    const hops = await follow(browser, server.issuer, url.href);
    return { ...hops, verifier, state };
  }

  /** The tokens of a request the signed-in browser completes without a page. */
  async function tokens(browser: TestClient, params: Record<string, string> = {}) {
    const started = await authorize(browser, params);
    expect(started.final.startsWith(`${REDIRECT_URI}?`), started.final).toBe(true);
    return oidc.authorizationCodeGrant(config, new URL(started.final), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      ...(params.nonce === undefined ? {} : { expectedNonce: params.nonce }),
      idTokenExpected: true,
    });
  }

  /** The callback's query, for a request that the provider answers at the redirect URI. */
  function callbackOf(final: string): URLSearchParams {
    expect(final.startsWith(`${REDIRECT_URI}?`), final).toBe(true);
    return new URL(final).searchParams;
  }

  it("oidcc-response-type-missing: no response_type is an error, not a code", async () => {
    const url = new URL(`${server.issuer}/oidc/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: "openid",
      state: "s",
    }).toString();
    const result = await follow(server.browser(), server.issuer, url.href);
    const query = callbackOf(result.final);
    expect(query.get("error")).toBe("invalid_request");
    expect(query.get("state")).toBe("s");
    expect(query.has("code")).toBe(false);
  });

  it("(every module but the PKCE one) a request without PKCE is refused: invalid_request", async () => {
    const url = new URL(`${server.issuer}/oidc/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: "openid",
      state: "no-pkce",
    }).toString();
    const query = callbackOf((await follow(await signedIn(), server.issuer, url.href)).final);
    expect(query.get("error")).toBe("invalid_request");
    expect(query.get("error_description")).toMatch(/requires PKCE/);
    expect(query.has("code")).toBe(false);
  });

  it("oidcc-idtoken-unsigned: alg none is not offered (refused by design)", () => {
    const metadata = config.serverMetadata();
    expect(metadata.id_token_signing_alg_values_supported).not.toContain("none");
    expect(metadata.id_token_signing_alg_values_supported).toContain("RS256");
  });

  it("oidcc-userinfo-get, -post-header, -post-body: the access token by each way", async () => {
    const browser = await signedIn();
    const { access_token: token } = await tokens(browser);
    const endpoint = config.serverMetadata().userinfo_endpoint!;
    const answers = [
      await fetch(endpoint, { headers: { authorization: `Bearer ${token}` } }),
      await fetch(endpoint, { method: "POST", headers: { authorization: `Bearer ${token}` } }),
      await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ access_token: token }),
      }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ sub: user.id });
    }
  });

  it("oidcc-ensure-request-without-nonce-succeeds-for-code-flow", async () => {
    const result = await tokens(await signedIn());
    expect(result.claims()!.nonce).toBeUndefined();
    expect(result.claims()!.sub).toBe(user.id);
  });

  it("oidcc-scope-profile, oidcc-scope-email: the scopes' claims in the ID token and userinfo", async () => {
    const browser = await signedIn();
    const profile = await tokens(browser, { scope: "openid profile", nonce: oidc.randomNonce() });
    expect(profile.claims()).toMatchObject({ name: user.name, preferred_username: user.name });
    expect(profile.claims()!.email).toBeUndefined();
    const email = await tokens(browser, { scope: "openid email", nonce: oidc.randomNonce() });
    expect(email.claims()).toMatchObject({ email: user.email, email_verified: false });
    const info = await oidc.fetchUserInfo(config, email.access_token, user.id);
    expect(info).toMatchObject({ email: user.email, email_verified: false });
    expect(info.name).toBeUndefined();
  });

  it("oidcc-scope-address, -phone, -all: not offered; asking for them still signs in without them", async () => {
    const supported = config.serverMetadata().scopes_supported!;
    expect(supported).not.toContain("address");
    expect(supported).not.toContain("phone");
    const result = await tokens(await signedIn(), { scope: "openid profile email address phone" });
    expect(result.scope!.split(" ").sort()).toEqual(["email", "openid", "profile"]);
    const info = await oidc.fetchUserInfo(config, result.access_token, user.id);
    expect(info.address).toBeUndefined();
    expect(info.phone_number).toBeUndefined();
    expect(info.email).toBe(user.email);
  });

  it("oidcc-ensure-other-scope-order-succeeds", async () => {
    const result = await tokens(await signedIn(), { scope: "email openid" });
    expect(result.claims()!.email).toBe(user.email);
  });

  it("oidcc-display-page, oidcc-display-popup, oidcc-ensure-request-with-unknown-parameter-succeeds, oidcc-login-hint, oidcc-ui-locales, oidcc-claims-locales, oidcc-ensure-request-with-acr-values-succeeds", async () => {
    const browser = await signedIn();
    const requests: Record<string, string>[] = [
      { display: "page" },
      { display: "popup" },
      { extra: "foobar" },
      { login_hint: user.email },
      { ui_locales: "se" },
      { claims_locales: "se" },
      { acr_values: "1 2" },
    ];
    for (const params of requests) {
      const result = await tokens(browser, params);
      expect(result.claims()!.sub, JSON.stringify(params)).toBe(user.id);
    }
  });

  it("oidcc-prompt-login: a signed-in person authenticates again; auth_time moves", async () => {
    const browser = await signedIn();
    const first = await tokens(browser);
    await pause(1_100);
    const again = await authorize(browser, { prompt: "login" });
    const page = new URL(again.final);
    expect(page.origin).toBe(server.issuer);
    expect(page.searchParams.get("reauthenticate")).toBe("any");
    const answer = await browser.request("POST", "/reauthenticate", {
      json: { password: user.password },
    });
    expect(answer.status).toBe(200);
    const back = await follow(
      browser,
      server.issuer,
      server.issuer + page.searchParams.get("next")!,
    );
    const second = await oidc.authorizationCodeGrant(config, new URL(back.final), {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
      idTokenExpected: true,
    });
    expect(second.claims()!.auth_time).toBeGreaterThan(first.claims()!.auth_time!);
  });

  it("oidcc-prompt-none-not-logged-in: login_required at the redirect URI", async () => {
    const result = await authorize(server.browser(), { prompt: "none" });
    const query = callbackOf(result.final);
    expect(query.get("error")).toBe("login_required");
    expect(query.get("iss")).toBe(server.issuer);
    expect(query.get("state")).toBe(result.state);
  });

  it("oidcc-prompt-none-logged-in, oidcc-id-token-hint: a code with no page, the same subject", async () => {
    const browser = await signedIn();
    const first = await tokens(browser);
    const silent = await tokens(browser, { prompt: "none" });
    expect(silent.claims()!.sub).toBe(user.id);
    const hinted = await tokens(browser, { prompt: "none", id_token_hint: first.id_token! });
    expect(hinted.claims()!.sub).toBe(user.id);
  });

  it("oidcc-max-age-1: an authentication older than max_age is done again", async () => {
    const browser = await signedIn();
    const first = await tokens(browser);
    // The provider counts max_age in whole seconds: over two seconds is surely over one.
    await pause(2_100);
    const again = await authorize(browser, { max_age: "1" });
    const page = new URL(again.final);
    expect(page.searchParams.get("reauthenticate")).toBe("any");
    await browser.request("POST", "/reauthenticate", { json: { password: user.password } });
    const back = await follow(
      browser,
      server.issuer,
      server.issuer + page.searchParams.get("next")!,
    );
    const second = await oidc.authorizationCodeGrant(config, new URL(back.final), {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
      maxAge: 1,
      idTokenExpected: true,
    });
    expect(second.claims()!.auth_time).toBeGreaterThan(first.claims()!.auth_time!);
  });

  it("oidcc-max-age-10000: a recent authentication stands, and auth_time is in the ID token", async () => {
    const result = await tokens(await signedIn(), { max_age: "10000" });
    expect(typeof result.claims()!.auth_time).toBe("number");
  });

  it("oidcc-codereuse, oidcc-codereuse-30seconds (without the wait): a second use fails and revokes the first's tokens", async () => {
    const started = await authorize(await signedIn());
    const callback = new URL(started.final);
    const first = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
    });
    expect((await oidc.fetchUserInfo(config, first.access_token, user.id)).sub).toBe(user.id);
    await expect(
      oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
      }),
    ).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(oidc.fetchUserInfo(config, first.access_token, user.id)).rejects.toMatchObject({
      status: 401,
    });
  });

  it("oidcc-ensure-registered-redirect-uri: an unregistered redirect_uri is an error page, no redirect", async () => {
    const result = await authorize(await signedIn(), {
      redirect_uri: "http://127.0.0.1:9/basic-op/elsewhere",
    });
    expect(result.final.startsWith(server.issuer)).toBe(true);
    expect(result.status).toBe(400);
    expect(result.text).toContain("invalid_redirect_uri");
  });

  it("oidcc-ensure-post-request-succeeds: FAILS, the authorization endpoint takes GET only", async () => {
    // oidc-provider serves POST there only with SameSite=None cookies; Tessera's are Lax.
    const answer = await (
      await signedIn()
    ).request("POST", "/oidc/auth", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: clientId,
        response_type: "code",
        redirect_uri: REDIRECT_URI,
        scope: "openid",
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: "S256",
      }).toString(),
    });
    expect(answer.status).toBe(404);
  });

  it("oidcc-server-client-secret-post: the client's secret in the token request's body", async () => {
    const postConfig = await oidc.discovery(
      new URL(server.issuer),
      clientId,
      undefined,
      oidc.ClientSecretPost(clientSecret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const started = await authorize(await signedIn());
    const result = await oidc.authorizationCodeGrant(postConfig, new URL(started.final), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      idTokenExpected: true,
    });
    expect(result.claims()!.sub).toBe(user.id);
  });

  it("oidcc-unsigned-request-object-…, oidcc-request-uri-unsigned-…: rejected as unsupported", async () => {
    const metadata = config.serverMetadata();
    expect(metadata.request_parameter_supported).not.toBe(true); // absent: false (Discovery §3)
    expect(metadata.request_uri_parameter_supported).toBe(false);
    const browser = await signedIn();
    const unsigned = (claims: object) =>
      `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
    const byValue = await authorize(browser, {
      request: unsigned({ client_id: clientId, response_type: "code", scope: "openid" }),
    });
    expect(callbackOf(byValue.final).get("error")).toBe("request_not_supported");
    const byReference = await authorize(browser, { request_uri: "https://rp.example.test/r" });
    expect(callbackOf(byReference.final).get("error")).toBe("request_uri_not_supported");
  });

  it("oidcc-claims-essential: the claims parameter is off; the request succeeds, claims come by scope", async () => {
    expect(config.serverMetadata().claims_parameter_supported).toBe(false);
    const result = await tokens(await signedIn(), {
      claims: JSON.stringify({ userinfo: { name: { essential: true } } }),
    });
    const info = await oidc.fetchUserInfo(config, result.access_token, user.id);
    expect(info).toEqual({ sub: user.id });
  });
});
