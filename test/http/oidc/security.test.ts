/**
 * The security checks of issue 21 item 8 on the authorization and token endpoints, against a
 * real listening server, with panva's openid-client as the relying party and plain fetch for
 * the requests a client library refuses to send: exact redirect URIs, a code used twice, PKCE,
 * client authentication, `state` and `nonce`, `iss` (RFC 9207), and no implicit flow nor
 * password grant.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/core/clock.js";
import { secretDigestBase64Url } from "../../../src/core/secret-digest.js";
import { freePort, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import {
  authorizationRequest,
  codeFlow,
  discover,
  postForm,
  REDIRECT_URI,
  runBrowser,
} from "../../helpers/oidc-flow.js";
import { startTestServer } from "../../helpers/server.js";
import { replaceEnd } from "../../helpers/tamper.js";

/** A syntactically valid S256 challenge (RFC 7636 §4.2: 43 base64url characters). */
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

describe("OpenID Connect security checks (issue 21 item 8)", () => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite");
  });
  afterAll(async () => {
    await server.close();
  });

  /** GET the authorization endpoint as a browser would, without following the answer. */
  async function authorize(params: Record<string, string | undefined>) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined) query.set(name, value);
    }
    const response = await fetch(`${server.issuer}/oidc/auth?${query}`, { redirect: "manual" });
    return {
      status: response.status,
      location: response.headers.get("location"),
      text: await response.text(),
    };
  }

  /** The parameters of a redirect to the client (query or fragment), or null if none. */
  function redirectParams(location: string | null, redirectUri: string): URLSearchParams | null {
    if (location === null || !location.startsWith(redirectUri)) return null;
    const url = new URL(location);
    const params = new URLSearchParams(url.search);
    for (const [name, value] of new URLSearchParams(url.hash.slice(1))) params.set(name, value);
    return params;
  }

  describe("exact redirect_uri matching", () => {
    it("sends the browser on only for the registered URI, byte for byte", async () => {
      const registered = "http://127.0.0.1:9/cb";
      const { clientId } = await server.addClient({ redirectUris: [registered] });
      const request = (redirectUri: string | undefined) =>
        authorize({
          client_id: clientId,
          response_type: "code",
          scope: "openid",
          redirect_uri: redirectUri,
          code_challenge: CHALLENGE,
          code_challenge_method: "S256",
          state: "s",
        });

      // The registered URI: on to Tessera's interaction (the person is not signed in).
      const good = await request(registered);
      expect(good.status).toBe(303);
      expect(new URL(good.location!, server.issuer).href).toMatch(
        new RegExp(`^${server.issuer}/oidc/interaction/`),
      );

      const refused = [
        "http://127.0.0.1:9/cb/",
        "http://127.0.0.1:9/cb?x=1",
        "http://127.0.0.1:10/cb",
        "http://127.0.0.1:9/CB",
        "http://127.0.0.1:9/Cb",
        "http://localhost:9/cb",
        "http://127.0.0.1/cb",
        "https://127.0.0.1:9/cb",
        "http://127.0.0.1:9/cb/../cb",
        "http://127.0.0.1:9/cb%2F",
        "http://127.0.0.1:9//cb",
        "http://127.0.0.1:9/cb ",
      ];
      for (const uri of refused) {
        const answer = await request(uri);
        // An error page of the provider's own: never a redirect, least of all to that URI.
        expect(answer.status, uri).toBe(400);
        expect(answer.location, uri).toBeNull();
        expect(answer.text, uri).toContain("invalid_redirect_uri");
      }
      // No redirect_uri while one is registered: refused too (allowOmittingSingleRegisteredRedirectUri off).
      const omitted = await request(undefined);
      expect(omitted.status).toBe(400);
      expect(omitted.location).toBeNull();
      expect(omitted.text).toContain("invalid_request");
    });

    it("refuses an unregistered URI even for a client with several", async () => {
      const { clientId } = await server.addClient({
        redirectUris: ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"],
      });
      const base = {
        client_id: clientId,
        response_type: "code",
        scope: "openid",
        code_challenge: CHALLENGE,
        code_challenge_method: "S256",
      };
      expect((await authorize({ ...base, redirect_uri: "http://127.0.0.1:9/b" })).status).toBe(303);
      for (const uri of ["http://127.0.0.1:9/c", "http://127.0.0.1:9/a/b", undefined]) {
        const answer = await authorize({ ...base, redirect_uri: uri });
        expect(answer.status, String(uri)).toBe(400);
        expect(answer.location, String(uri)).toBeNull();
      }
    });
  });

  describe("an authorization code used twice", () => {
    it("fails the second time and revokes the access and refresh tokens of the first", async () => {
      const user = await server.createUser({});
      const { clientId, clientSecret } = await server.addClient({ firstParty: true });
      const config = await discover(server, clientId, clientSecret);
      const first = await codeFlow(server, config, user);
      expect(first.tokens.refresh_token).toBeTypeOf("string");
      // Both work before the replay.
      const before = await oidc.tokenIntrospection(config, first.tokens.access_token);
      expect(before.active).toBe(true);

      await expect(
        oidc.authorizationCodeGrant(config, first.callback, {
          pkceCodeVerifier: first.request.verifier,
          expectedState: first.request.state,
          expectedNonce: first.request.nonce,
        }),
      ).rejects.toMatchObject({ error: "invalid_grant" });

      await expect(
        oidc.fetchUserInfo(config, first.tokens.access_token, user.id),
      ).rejects.toMatchObject({ status: 401 });
      expect((await oidc.tokenIntrospection(config, first.tokens.access_token)).active).toBe(false);
      expect((await oidc.tokenIntrospection(config, first.tokens.refresh_token!)).active).toBe(
        false,
      );
      await expect(
        oidc.refreshTokenGrant(config, first.tokens.refresh_token!),
      ).rejects.toMatchObject({
        error: "invalid_grant",
      });
    });
  });

  describe("PKCE", () => {
    it("refuses a code with a wrong code_verifier", async () => {
      const user = await server.createUser({});
      const { clientId, clientSecret } = await server.addClient({ firstParty: true });
      const config = await discover(server, clientId, clientSecret);
      const request = await authorizationRequest(config);
      const run = await runBrowser(server, server.browser(), request.url.href, { user });
      expect(run.final.href.startsWith(REDIRECT_URI)).toBe(true);
      await expect(
        oidc.authorizationCodeGrant(config, run.final, {
          pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
          expectedState: request.state,
          expectedNonce: request.nonce,
        }),
      ).rejects.toMatchObject({ error: "invalid_grant" });
      // Without a verifier at all (plain fetch: openid-client always sends the one it is given).
      const code = run.final.searchParams.get("code")!;
      const bare = await postForm(
        server,
        "/oidc/token",
        { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI },
        { id: clientId, secret: clientSecret! },
      );
      expect(bare.status).toBe(400);
      expect(bare.body.error).toMatch(/^invalid_(grant|request)$/);
    });

    it("refuses an authorization request without code_challenge, public or confidential", async () => {
      const confidential = await server.addClient({});
      const publicClient = await server.addClient({ public: true });
      for (const { clientId } of [confidential, publicClient]) {
        const answer = await authorize({
          client_id: clientId,
          response_type: "code",
          scope: "openid",
          redirect_uri: REDIRECT_URI,
          state: "s",
        });
        // The redirect URI is the registered one, so the error goes back to the client.
        const params = redirectParams(answer.location, REDIRECT_URI);
        expect(params, answer.text).not.toBeNull();
        expect(params!.get("error")).toBe("invalid_request");
        expect(params!.get("error_description")).toMatch(/PKCE/);
        expect(params!.get("state")).toBe("s");
        expect(params!.get("iss")).toBe(server.issuer);
        expect(params!.has("code")).toBe(false);
      }
    });

    it("refuses code_challenge_method=plain and offers only S256", async () => {
      const { clientId } = await server.addClient({ public: true });
      const verifier = oidc.randomPKCECodeVerifier();
      for (const method of ["plain", "S512", ""]) {
        const answer = await authorize({
          client_id: clientId,
          response_type: "code",
          scope: "openid",
          redirect_uri: REDIRECT_URI,
          code_challenge: verifier,
          code_challenge_method: method,
        });
        const params = redirectParams(answer.location, REDIRECT_URI);
        expect(params, `${method}: ${answer.status} ${answer.location}`).not.toBeNull();
        expect(params!.get("error"), method).toBe("invalid_request");
        expect(params!.has("code")).toBe(false);
      }
      const discovery = (await (
        await fetch(`${server.issuer}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      expect(discovery.code_challenge_methods_supported).toEqual(["S256"]);
    });
  });

  describe("client authentication at the token endpoint", () => {
    it("answers 401 invalid_client to a wrong, missing or borrowed secret", async () => {
      const a = await server.addClient({ name: "A" });
      const b = await server.addClient({ name: "B" });
      const form = {
        grant_type: "authorization_code",
        code: "not-a-code",
        redirect_uri: REDIRECT_URI,
        code_verifier: oidc.randomPKCECodeVerifier(),
      };
      // The right secret authenticates: the request then fails on the bogus code.
      const right = await postForm(server, "/oidc/token", form, {
        id: a.clientId,
        secret: a.clientSecret!,
      });
      expect(right.status).toBe(400);
      expect(right.body.error).toBe("invalid_grant");
      const postRight = await postForm(server, "/oidc/token", {
        ...form,
        client_id: a.clientId,
        client_secret: a.clientSecret!,
      });
      expect(postRight.body.error).toBe("invalid_grant");

      const refused: [string, Awaited<ReturnType<typeof postForm>>][] = [
        [
          "wrong secret (basic)",
          await postForm(server, "/oidc/token", form, { id: a.clientId, secret: "wrong" }),
        ],
        [
          "wrong secret (post)",
          await postForm(server, "/oidc/token", {
            ...form,
            client_id: a.clientId,
            client_secret: replaceEnd(a.clientSecret!),
          }),
        ],
        ["no secret", await postForm(server, "/oidc/token", { ...form, client_id: a.clientId })],
        [
          "another client's secret",
          await postForm(server, "/oidc/token", form, { id: a.clientId, secret: b.clientSecret! }),
        ],
        [
          "the stored digest instead of the secret",
          await postForm(server, "/oidc/token", form, {
            id: a.clientId,
            secret: secretDigestBase64Url(a.clientSecret!),
          }),
        ],
        [
          "an unknown client",
          await postForm(server, "/oidc/token", form, { id: "nobody", secret: a.clientSecret! }),
        ],
      ];
      for (const [what, answer] of refused) {
        expect(answer.status, what).toBe(401);
        expect(answer.body.error, what).toBe("invalid_client");
        expect(answer.body.access_token, what).toBeUndefined();
      }
      // An empty password in the Basic header is a malformed request, refused as such.
      const empty = await postForm(server, "/oidc/token", form, { id: a.clientId, secret: "" });
      expect(empty.status).toBe(400);
      expect(empty.body.error).toBe("invalid_request");
    });

    it("gives client_credentials only to a confidential client registered for it", async () => {
      // Registration refuses a public client with client_credentials.
      await expect(
        server.addClient({ public: true, grants: ["client_credentials"], redirectUris: [] }),
      ).rejects.toMatchObject({ code: "validation_error" });

      const machine = await server.addClient({ grants: ["client_credentials"], redirectUris: [] });
      const issued = await postForm(
        server,
        "/oidc/token",
        { grant_type: "client_credentials" },
        {
          id: machine.clientId,
          secret: machine.clientSecret!,
        },
      );
      expect(issued.status).toBe(200);
      expect(issued.body.access_token).toBeTypeOf("string");

      const publicClient = await server.addClient({ public: true });
      const asPublic = await postForm(server, "/oidc/token", {
        grant_type: "client_credentials",
        client_id: publicClient.clientId,
      });
      // oidc-provider answers invalid_request ("requested grant type is not allowed for this
      // client") where RFC 6749 §5.2 would say unauthorized_client; refused either way.
      expect(asPublic.status).toBe(400);
      expect(asPublic.body.error).toBe("invalid_request");
      expect(asPublic.body.access_token).toBeUndefined();

      // A confidential client without the grant is refused too.
      const web = await server.addClient({});
      const asWeb = await postForm(
        server,
        "/oidc/token",
        { grant_type: "client_credentials" },
        {
          id: web.clientId,
          secret: web.clientSecret!,
        },
      );
      expect(asWeb.status).toBe(400);
      expect(asWeb.body.error).toBe("invalid_request");
    });
  });

  describe("state, nonce and iss round-trip", () => {
    it("passes openid-client's state, nonce and iss checks; a tampered one is caught", async () => {
      const user = await server.createUser({});
      const { clientId, clientSecret } = await server.addClient({ firstParty: true });
      const config = await discover(server, clientId, clientSecret);
      const request = await authorizationRequest(config);
      const run = await runBrowser(server, server.browser(), request.url.href, { user });
      const callback = run.final;
      expect(callback.searchParams.get("state")).toBe(request.state);
      expect(callback.searchParams.get("iss")).toBe(server.issuer); // RFC 9207

      const tampered = (name: string, value: string | null) => {
        const url = new URL(callback);
        if (value === null) url.searchParams.delete(name);
        else url.searchParams.set(name, value);
        return url;
      };
      const checks = {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      };
      // Each is caught before the code is sent: the code stays good for the real exchange.
      const caught = async (url: URL, parameter: RegExp) => {
        const error: unknown = await oidc.authorizationCodeGrant(config, url, checks).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ code: "OAUTH_INVALID_RESPONSE" });
        expect(String((error as Error).cause)).toMatch(parameter);
      };
      await caught(tampered("state", oidc.randomState()), /"state"/);
      await caught(tampered("state", null), /"state"/);
      await caught(tampered("iss", "http://evil.test"), /"iss"/);
      await caught(tampered("iss", null), /"iss"/);

      const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
      expect(tokens.claims()!.nonce).toBe(request.nonce);
    });

    it("lets openid-client catch an ID token with another nonce", async () => {
      const user = await server.createUser({});
      const { clientId, clientSecret } = await server.addClient({ firstParty: true });
      const config = await discover(server, clientId, clientSecret);
      const request = await authorizationRequest(config);
      const run = await runBrowser(server, server.browser(), request.url.href, { user });
      const error: unknown = await oidc
        .authorizationCodeGrant(config, run.final, {
          pkceCodeVerifier: request.verifier,
          expectedState: request.state,
          expectedNonce: oidc.randomNonce(),
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).toMatchObject({ code: "OAUTH_JWT_CLAIM_COMPARISON_FAILED" });
      const cause = (error as Error).cause as Error & { cause: { claims: { nonce: string } } };
      expect(cause.message).toMatch(/"nonce"/);
      // The ID token carried the nonce of the request, which this client did not expect.
      expect(cause.cause.claims.nonce).toBe(request.nonce);
    });
  });

  describe("iss and discovery", () => {
    it("puts iss in success and error responses, equal to the issuer, which has no trailing slash", async () => {
      const discovery = (await (
        await fetch(`${server.issuer}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      expect(discovery.issuer).toBe(server.issuer);
      expect(String(discovery.issuer).endsWith("/")).toBe(false);
      expect(discovery.authorization_response_iss_parameter_supported).toBe(true);

      const { clientId } = await server.addClient({ public: true });
      const denied = await authorize({
        client_id: clientId,
        response_type: "code",
        scope: "openid",
        redirect_uri: REDIRECT_URI,
        prompt: "none", // nobody signed in: login_required, sent to the client
        code_challenge: CHALLENGE,
        code_challenge_method: "S256",
      });
      const params = redirectParams(denied.location, REDIRECT_URI);
      expect(params?.get("error")).toBe("login_required");
      expect(params?.get("iss")).toBe(server.issuer);
    });

    it("drops a trailing slash of TESSERA_PUBLIC_URL from the issuer", async () => {
      const port = await freePort();
      const slashed = await startTestServer("sqlite", {
        port,
        env: { TESSERA_PUBLIC_URL: `http://127.0.0.1:${port}/` },
        overrides: { clock: systemClock },
      });
      try {
        const discovery = (await (
          await fetch(`${slashed.baseUrl}/.well-known/openid-configuration`)
        ).json()) as Record<string, unknown>;
        expect(discovery.issuer).toBe(`http://127.0.0.1:${port}`);
        expect(discovery.authorization_endpoint).toBe(`http://127.0.0.1:${port}/oidc/auth`);
      } finally {
        await slashed.close();
      }
    });
  });

  describe("no implicit flow, no password grant", () => {
    it("refuses every response type but code", async () => {
      const { clientId } = await server.addClient({ public: true });
      for (const responseType of [
        "id_token",
        "token",
        "id_token token",
        "code id_token",
        "code token",
        "code id_token token",
        "none",
      ]) {
        const answer = await authorize({
          client_id: clientId,
          response_type: responseType,
          scope: "openid",
          redirect_uri: REDIRECT_URI,
          nonce: "n",
          code_challenge: CHALLENGE,
          code_challenge_method: "S256",
        });
        const params = redirectParams(answer.location, REDIRECT_URI);
        const what = `${responseType}: ${answer.status} ${answer.location}`;
        if (params === null) {
          expect(answer.status, what).toBe(400);
        } else {
          expect(params.get("error"), what).toBe("unsupported_response_type");
        }
        for (const issued of ["code", "id_token", "access_token"]) {
          expect(params?.has(issued) ?? false, what).toBe(false);
        }
      }
      const discovery = (await (
        await fetch(`${server.issuer}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      expect(discovery.response_types_supported).toEqual(["code"]);
      expect(discovery.grant_types_supported).not.toContain("password");
      expect(discovery.grant_types_supported).not.toContain("implicit");
    });

    it("refuses grant_type=password from an authenticated client", async () => {
      const user = await server.createUser({});
      const { clientId, clientSecret } = await server.addClient({});
      const answer = await postForm(
        server,
        "/oidc/token",
        { grant_type: "password", username: user.name, password: user.password, scope: "openid" },
        { id: clientId, secret: clientSecret! },
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe("unsupported_grant_type");
      expect(answer.body.access_token).toBeUndefined();
    });
  });
});
