/**
 * CORS only for registered origins (issue 21 item 8): a browser app may read the provider's
 * answers at the token and userinfo endpoints only from the origin of one of its client's
 * redirect URIs (`clientBasedCORS`, `allowedOrigins` in services/oidc/provider.ts); from any
 * other origin the request is refused and no `Access-Control-Allow-Origin` comes back, also
 * when the rate limit refuses it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import { discoverClient, signInToApp } from "../../helpers/oidc-flow.js";

const APP_ORIGIN = "http://127.0.0.1:9";
const REDIRECT_URI = `${APP_ORIGIN}/callback`;
const OTHER_ORIGIN = "https://evil.example";
const LIMIT = 3;

describe("OpenID provider CORS", () => {
  let server: OidcTestServer;
  let clientId: string;
  let clientSecret: string;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite", {
      env: { TESSERA_OIDC_CLIENT_REQUESTS_PER_MINUTE: String(LIMIT) },
    });
    const added = await server.addClient({
      name: "Browser app",
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      grants: ["authorization_code", "refresh_token", "client_credentials"],
    });
    clientId = added.clientId;
    clientSecret = added.clientSecret!;
  });
  afterAll(async () => {
    await server.close();
  });

  const tokenRequest = (origin: string) =>
    server.client().request("POST", "/oidc/token", {
      body: "grant_type=client_credentials",
      origin,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
      },
    });

  it("lets the app's origin read userinfo, and no other origin", async () => {
    const user = await server.createUser({ email: "cors@example.org" });
    const config = await discoverClient(server, clientId, clientSecret);
    const { tokens } = await signInToApp(server, config, user, { redirectUri: REDIRECT_URI });
    const userinfo = (origin: string) =>
      server.client().request("GET", "/oidc/userinfo", {
        headers: { authorization: `Bearer ${tokens.access_token}`, origin },
      });

    const allowed = await userinfo(APP_ORIGIN);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(allowed.body.sub).toBe(user.id);

    const other = await userinfo(OTHER_ORIGIN);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ error: "invalid_request" });
  });

  it("lets the app's origin read the token endpoint's answers, and no other origin", async () => {
    const allowed = await tokenRequest(APP_ORIGIN);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);

    const other = await tokenRequest(OTHER_ORIGIN);
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ error: "invalid_request" });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("keeps the rule on a refusal of the rate limit, and lets the app read Retry-After", async () => {
    // The earlier tests spent some of the budget: spend the rest.
    let refused;
    for (let i = 0; i <= LIMIT && refused === undefined; i += 1) {
      const answer = await tokenRequest(APP_ORIGIN);
      if (answer.status === 429) refused = answer;
      else expect(answer.status).toBe(200);
    }
    expect(refused).toBeDefined();
    expect(refused!.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(refused!.headers.get("access-control-expose-headers")).toMatch(/Retry-After/i);
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThan(0);
    const other = await tokenRequest(OTHER_ORIGIN);
    expect(other.status).toBe(429);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
