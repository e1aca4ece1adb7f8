/**
 * The README's "Sign in to your other apps" tells the truth: its example app (the code block of
 * "An example app", run as it is but for openid-client's permission to use http, which the test
 * server needs) signs a person in through Tessera; its resource server's `jwtVerify` snippet
 * accepts a client-credentials token; the provider's keys are in `/.well-known/jwks.json` too;
 * and a refresh token dies with the Tessera session unless the app asked for `offline_access`
 * with `prompt=consent`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TestClient } from "../../helpers/server.js";
import { follow, freePort, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import { DEFAULT_GIVE_UP_MS } from "../../helpers/wait.js";

const README = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const REPO = new URL("../../../", import.meta.url).pathname;

/** The first fenced block of `language` under the heading `heading` of the README. */
function codeBlock(heading: string, language: string): string {
  const section = README.split(`\n${heading}\n`)[1]?.split(/\n##+ /)[0];
  if (section === undefined) throw new Error(`no README section ${heading}`);
  const block = new RegExp("```" + language + "\\n([\\s\\S]*?)\\n```").exec(section);
  if (block === null) throw new Error(`no ${language} block under ${heading}`);
  return block[1]!;
}

const DISCOVERY = "await oidc.discovery(new URL(ISSUER), CLIENT_ID, CLIENT_SECRET);";

/** Signs the browser in if the flow asks, consents if it asks; where the browser ends. */
async function throughTessera(
  server: OidcTestServer,
  browser: TestClient,
  user: { name: string; password: string },
  url: string,
): Promise<string> {
  let hops = await follow(browser, server.issuer, url);
  const signIn = new URL(hops.final);
  if (signIn.origin === server.issuer && signIn.searchParams.has("next")) {
    if (!browser.cookies.has("token")) await browser.login(user.name, user.password);
    hops = await follow(browser, server.issuer, server.issuer + signIn.searchParams.get("next")!);
  }
  const consent = new URL(hops.final);
  if (consent.origin === server.issuer && consent.pathname === "/consent") {
    const uid = consent.searchParams.get("interaction")!;
    const answer = await browser.request("POST", `/oidc/interaction/${uid}/consent`, {
      json: { approve: true },
    });
    expect(answer.status, answer.text).toBe(200);
    hops = await follow(browser, server.issuer, answer.body.redirect_to as string);
  }
  return hops.final;
}

describe("the README's section on signing in to other apps", () => {
  let server: OidcTestServer;
  let app: ChildProcess | undefined;
  beforeEach(async () => {
    server = await startOidcTestServer("sqlite");
  });
  afterEach(async () => {
    app?.kill();
    await server.close();
  });

  it("runs the example app: it sends the browser to Tessera and greets the person it gets back", async () => {
    const source = codeBlock("### An example app", "js");
    expect(source).toContain(DISCOVERY);
    const code = source.replace(
      DISCOVERY,
      "await oidc.discovery(new URL(ISSUER), CLIENT_ID, CLIENT_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });",
    );
    const appUrl = `http://127.0.0.1:${await freePort()}`;
    const added = await server.cli(
      "clients",
      "add",
      "--name",
      "Notes",
      "--redirect-uri",
      `${appUrl}/callback`,
      "--json",
    );
    expect(added.code, added.errors.join("\n")).toBe(0);
    const { client_id, client_secret } = JSON.parse(added.lines.join("")) as Record<string, string>;
    let output = "";
    app = spawn(process.execPath, ["--input-type=module", "-e", code], {
      cwd: REPO,
      env: {
        ...process.env,
        ISSUER: server.issuer,
        CLIENT_ID: client_id,
        CLIENT_SECRET: client_secret,
        APP_URL: appUrl,
      },
    });
    app.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    app.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));

    // The app listens once its discovery is done: poll for it.
    const start = await vi.waitUntil(
      () => fetch(`${appUrl}/`, { redirect: "manual" }).catch(() => undefined),
      { timeout: DEFAULT_GIVE_UP_MS, interval: 50 },
    );
    expect(start.status).toBe(303);
    const appCookie = start.headers.get("set-cookie")!.split(";")[0]!;
    expect(start.headers.get("set-cookie")).toContain("HttpOnly");
    const user = await server.createUser({ email: "reader@example.org" });
    const browser = server.browser();
    const callback = await throughTessera(server, browser, user, start.headers.get("location")!);
    expect(callback.startsWith(`${appUrl}/callback?`)).toBe(true);

    // Another browser that is handed the callback URL (login CSRF) is refused: no cookie.
    const replayed = await fetch(callback);
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toMatch(/^Sign-in failed: /);

    const greeting = await fetch(callback, { headers: { cookie: appCookie } });
    expect(greeting.status, output).toBe(200);
    expect(await greeting.text()).toBe(`Signed in as reader@example.org (${user.id})\n`);
  });

  it("verifies a client-credentials token with the resource server's snippet", async () => {
    const { clientId, clientSecret } = (await server.addClient({
      name: "Billing worker",
      redirectUris: [],
      grants: ["client_credentials"],
    })) as { clientId: string; clientSecret: string };
    const answer = await fetch(`${server.issuer}/oidc/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        resource: "https://api.example.com",
      }),
    });
    const body = (await answer.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ expires_in: 600, token_type: "Bearer" });

    const snippet = codeBlock("### Machine clients and client credentials", "js");
    const run = new Function(
      "jwtVerify",
      "createRemoteJWKSet",
      "token",
      "ISSUER",
      `return (async () => { ${snippet}\nreturn payload; })();`,
    ) as (...args: unknown[]) => Promise<Record<string, unknown>>;
    const payload = await run(jwtVerify, createRemoteJWKSet, body.access_token, server.issuer);
    expect(payload).toMatchObject({ aud: "https://api.example.com", client_id: clientId });
  });

  it("publishes the provider's keys in /.well-known/jwks.json too", async () => {
    const provider = (await (await fetch(`${server.issuer}/oidc/jwks`)).json()) as {
      keys: { kid: string }[];
    };
    const all = (await (await fetch(`${server.issuer}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; alg?: string }[];
    };
    expect(provider.keys.length).toBeGreaterThan(0);
    for (const key of provider.keys) {
      expect(all.keys.map((k) => k.kid)).toContain(key.kid);
    }
  });

  it("ends refresh tokens with the session, but not offline_access asked with prompt=consent", async () => {
    const redirectUri = "http://127.0.0.1:9/readme/callback";
    const { clientId, clientSecret } = await server.addClient({
      name: "Sync job",
      redirectUris: [redirectUri],
      firstParty: true,
    });
    const config = await oidc.discovery(new URL(server.issuer), clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const user = await server.createUser({});
    const refreshTokens: Record<string, string> = {};
    for (const [name, extra] of [
      ["session", {}],
      ["offline", { prompt: "consent" }],
    ] as const) {
      const browser = server.browser();
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: "openid offline_access",
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        ...extra,
      });
      const callback = await throughTessera(server, browser, user, url.href);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
        pkceCodeVerifier: verifier,
      });
      expect(tokens.scope, name).toBe(name === "offline" ? "openid offline_access" : "openid");
      refreshTokens[name] = tokens.refresh_token!;
      expect((await browser.request("POST", "/logout")).status).toBe(200);
    }
    // The session's grant is revoked after the answer to the sign-out: poll for it.
    await vi.waitUntil(
      async () => !(await oidc.tokenIntrospection(config, refreshTokens.session!)).active,
      { timeout: DEFAULT_GIVE_UP_MS, interval: 50 },
    );
    await expect(oidc.refreshTokenGrant(config, refreshTokens.session!)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    const kept = await oidc.refreshTokenGrant(config, refreshTokens.offline!);
    expect(kept.scope).toBe("openid offline_access");
  });
});
