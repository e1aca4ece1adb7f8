/**
 * The steps of the OpenID Connect security tests (issue 21 item 8), over a real listening server
 * (`startOidcTestServer`): discovery with panva's openid-client, a browser (a cookie jar) going
 * through Tessera's sign-in and consent to the client's redirect URI, the token endpoint
 * spoken to with plain fetch (for the requests a client library refuses to send), and an ID
 * token or logout token checked against a JWKS with node:crypto alone.
 */
import {
  createHmac,
  createPublicKey,
  verify as verifySignature,
  type JsonWebKey,
} from "node:crypto";
import * as oidc from "openid-client";
import { expect } from "vitest";
import { follow, type OidcTestServer } from "./oidc.js";
import type { TestClient } from "./server.js";

/** The redirect URI the tests register (nothing listens there: the browser stops before it). */
export const REDIRECT_URI = "http://127.0.0.1:9/callback";

/**
 * openid-client's configuration for a client of the test server (plain http allowed): the
 * client's secret, or its metadata (`client_secret`, `id_token_signed_response_alg`, …).
 */
export async function discover(
  server: OidcTestServer,
  clientId: string,
  clientSecretOrMetadata?: string | Partial<oidc.ClientMetadata>,
): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(server.issuer), clientId, clientSecretOrMetadata, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
}

/** An authorization request with PKCE, state and nonce, built by openid-client. */
export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function authorizationRequest(
  config: oidc.Configuration,
  extra: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid email profile",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** What a browser did on its way through the provider. */
export interface BrowserRun {
  /** Where it stopped: the client's redirect URI, or a Tessera page (sign-in, consent). */
  final: URL;
  /** Every URL it visited. */
  hops: string[];
  /** The pages it stopped at on the way (sign-in, consent), in order. */
  pages: string[];
  /** The status and text of the last answer (0 and "" when it left the server). */
  status: number;
  text: string;
}

/**
 * Follows `url` with the browser to the client's redirect URI: on Tessera's sign-in page it
 * signs `user` in (once), on the consent page it approves when `consent` is "approve". It stops
 * at any other page, or at a page it may not pass (no user, no consent).
 */
export async function runBrowser(
  server: OidcTestServer,
  browser: TestClient,
  url: string,
  options: { user?: { name: string; password: string }; consent?: "approve" | "stop" } = {},
): Promise<BrowserRun> {
  const hops: string[] = [];
  const pages: string[] = [];
  let signedIn = false;
  let next = url;
  for (let step = 0; step < 6; step += 1) {
    const run = await follow(browser, server.issuer, next);
    hops.push(...run.hops);
    const final = new URL(run.final);
    const stop = { final, hops, pages, status: run.status, text: run.text };
    if (final.origin !== server.issuer) return stop;
    if (final.pathname === "/" && final.searchParams.has("next")) {
      pages.push("sign-in");
      if (options.user === undefined || signedIn || final.searchParams.has("reauthenticate")) {
        return stop;
      }
      await browser.login(options.user.name, options.user.password);
      signedIn = true;
      next = server.issuer + final.searchParams.get("next")!;
      continue;
    }
    if (final.pathname === "/consent") {
      pages.push("consent");
      if (options.consent !== "approve") return stop;
      const uid = final.searchParams.get("interaction")!;
      const answer = await browser.request("POST", `/oidc/interaction/${uid}/consent`, {
        json: { approve: true },
      });
      expect(answer.status, answer.text).toBe(200);
      next = new URL(answer.body.redirect_to, server.issuer).href;
      continue;
    }
    return stop;
  }
  throw new Error(`The browser went round in circles: ${hops.join(" -> ")}`);
}

/** A finished code flow: the tokens, and what the browser and client used. */
export interface CodeFlow {
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  browser: TestClient;
  request: AuthorizationRequest;
  callback: URL;
  run: BrowserRun;
}

/**
 * The whole code flow for `user` (signing in on `browser`, a new one by default, and approving
 * consent), the code exchanged by openid-client with the state, nonce and PKCE checks.
 */
export async function codeFlow(
  server: OidcTestServer,
  config: oidc.Configuration,
  user: { name: string; password: string },
  options: { browser?: TestClient; extra?: Record<string, string> } = {},
): Promise<CodeFlow> {
  const browser = options.browser ?? server.browser();
  const request = await authorizationRequest(config, options.extra);
  const run = await runBrowser(server, browser, request.url.href, { user, consent: "approve" });
  expect(run.final.href.startsWith(REDIRECT_URI), run.hops.join(" -> ")).toBe(true);
  const tokens = await oidc.authorizationCodeGrant(config, run.final, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
    idTokenExpected: true,
  });
  return { tokens, browser, request, callback: run.final, run };
}

/** An answer of the provider read as JSON (OAuth errors are `{ error, error_description }`). */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/**
 * A form POST to a provider endpoint with plain fetch, optionally with HTTP Basic client
 * authentication (`client_secret_basic`, each part form-encoded as RFC 6749 §2.3.1 says).
 */
export async function postForm(
  server: OidcTestServer,
  path: string,
  form: Record<string, string>,
  basic?: { id: string; secret: string },
): Promise<JsonAnswer> {
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
  };
  if (basic !== undefined) {
    const pair = `${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
  }
  const response = await fetch(server.issuer + path, {
    method: "POST",
    headers,
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, headers: response.headers, body };
}

/** A JWT's header and payload, unverified. */
export function decodeJwt(jwt: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header, payload] = jwt.split(".");
  const part = (text: string | undefined) =>
    JSON.parse(Buffer.from(text ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  return { header: part(header), payload: part(payload) };
}

/** The JWK set at `path` of the server. */
export async function fetchJwks(server: OidcTestServer, path: string): Promise<JsonWebKey[]> {
  const response = await fetch(server.issuer + path);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { keys: JsonWebKey[] };
  return body.keys;
}

/**
 * Verifies a JWT's signature against a JWK set (the key its `kid` names, of its `alg`) with
 * node:crypto; its payload. Throws when no key matches or the signature is wrong.
 */
export function verifyJwt(jwt: string, keys: readonly JsonWebKey[]): Record<string, unknown> {
  const { header, payload } = decodeJwt(jwt);
  const key = keys.find((k) => k.kid === header.kid && k.alg === header.alg);
  if (key === undefined) throw new Error(`No ${String(header.alg)} key ${String(header.kid)}`);
  const publicKey = createPublicKey({ key, format: "jwk" });
  const [h, p, s] = jwt.split(".");
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s ?? "", "base64url");
  const ok =
    header.alg === "RS256"
      ? verifySignature("sha256", data, publicKey, signature)
      : header.alg === "ES256"
        ? verifySignature("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)
        : header.alg === "EdDSA"
          ? verifySignature(null, data, publicKey, signature)
          : false;
  if (!ok) throw new Error(`The ${String(header.alg)} signature does not verify`);
  return payload;
}

/** A JWT with the given header and payload, signed with HS256 under `secret`, or unsigned. */
export function forgeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret?: string | Buffer,
): string {
  const encode = (part: Record<string, unknown>) =>
    Buffer.from(JSON.stringify(part)).toString("base64url");
  const input = `${encode(header)}.${encode(payload)}`;
  if (secret === undefined) return `${input}.`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

// Signing in to an app end to end (the limits, audit and registration tests).
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
