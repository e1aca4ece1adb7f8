/**
 * Dynamic client registration (RFC 7591, issue 21 item 6), with real registration requests:
 * off by default (404); with `TESSERA_OIDC_REGISTRATION=token` only with the initial access
 * token; a registered client lands in Tessera's registry with its secret as a digest (the
 * answer shows it once), is never first-party, completes the code flow with openid-client, and
 * cannot manage its registration (no RFC 7592). `open` needs no token and is limited per
 * network.
 */
import { createHash } from "node:crypto";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listOidcClients } from "../../../src/services/oidc/clients.js";
import { findOidcClient, listAuditEvents } from "../../../src/store/index.js";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import { discoverClient, signInToApp } from "../../helpers/oidc-flow.js";

const TOKEN = "initial-access-token-of-the-registration-test-0123456789";
const REDIRECT_URI = "http://127.0.0.1:9/registered/callback";

function register(server: OidcTestServer, body: unknown, token?: string) {
  return server.client().request("POST", "/oidc/reg", {
    json: body,
    origin: null,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

const app = {
  client_name: "Registered app",
  redirect_uris: [REDIRECT_URI],
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
};

describe("dynamic client registration, off", () => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite");
  });
  afterAll(async () => {
    await server.close();
  });

  it("has no registration endpoint", async () => {
    expect((await register(server, app, TOKEN)).status).toBe(404);
    const discovery = await server.client().request("GET", "/.well-known/openid-configuration");
    expect(discovery.body.registration_endpoint).toBeUndefined();
  });
});

describe("dynamic client registration with an initial access token", () => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite", {
      env: { TESSERA_OIDC_REGISTRATION: "token", TESSERA_OIDC_REGISTRATION_TOKEN: TOKEN },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("refuses a request without the token or with another", async () => {
    const none = await register(server, app);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const wrong = await register(server, app, `${TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: "invalid_token" });
    expect((await listOidcClients(server.tessera.ctx)).length).toBe(0);
  });

  it("registers a client in Tessera's registry, which then signs a person in", async () => {
    const discovery = await server.client().request("GET", "/.well-known/openid-configuration");
    expect(discovery.body.registration_endpoint).toBe(`${server.issuer}/oidc/reg`);

    const answer = await register(server, app, TOKEN);
    expect(answer.status).toBe(201);
    const { client_id: clientId, client_secret: secret } = answer.body as Record<string, string>;
    expect(clientId).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.body).toMatchObject({
      client_name: "Registered app",
      redirect_uris: [REDIRECT_URI],
    });
    // No registration management (RFC 7592).
    expect(answer.body.registration_access_token).toBeUndefined();
    expect(answer.body.registration_client_uri).toBeUndefined();

    // In the registry, the secret only as its digest.
    const record = await findOidcClient(server.tessera.ctx.db, clientId!);
    expect(record).toMatchObject({ name: "Registered app", firstParty: false });
    expect(record!.secretHash).toBe(createHash("sha256").update(secret!).digest("base64url"));
    expect(JSON.stringify(record!.metadata)).not.toContain(secret);
    const [added] = await listAuditEvents(server.tessera.ctx.db, { event: "oidc_client_added" });
    expect(added!.detail).toMatchObject({ via: "dynamic_registration", client_id: clientId });
    expect(JSON.stringify(added)).not.toContain(secret);

    // The client signs a person in (consent asked: it is third-party), refreshes, reads userinfo.
    const user = await server.createUser({ email: "registered@example.org" });
    const config = await discoverClient(server, clientId!, secret);
    const { tokens } = await signInToApp(server, config, user, { redirectUri: REDIRECT_URI });
    expect(tokens.claims()!.sub).toBe(user.id);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info.email).toBe("registered@example.org");
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTypeOf("string");
    // A wrong secret is refused.
    const wrong = await discoverClient(server, clientId!, `${secret}x`);
    await expect(oidc.refreshTokenGrant(wrong, refreshed.refresh_token!)).rejects.toMatchObject({
      error: "invalid_client",
    });

    // The client cannot read its registration.
    const read = await server.client().request("GET", `/oidc/reg/${clientId}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(read.status).toBe(401);
  });

  it("registers a public client without a secret", async () => {
    const answer = await register(
      server,
      { ...app, client_name: "Public app", token_endpoint_auth_method: "none" },
      TOKEN,
    );
    expect(answer.status).toBe(201);
    expect(answer.body.client_secret).toBeUndefined();
    const record = await findOidcClient(server.tessera.ctx.db, answer.body.client_id);
    expect(record!.secretHash).toBeNull();
  });

  it("holds a registration to Tessera's rules", async () => {
    const firstParty = await register(server, { ...app, tessera_first_party: true }, TOKEN);
    expect(firstParty.status).toBe(400);
    expect(firstParty.body).toMatchObject({ error: "invalid_client_metadata" });

    const plainHttp = await register(
      server,
      { ...app, redirect_uris: ["http://app.example/callback"] },
      TOKEN,
    );
    expect(plainHttp.status).toBe(400);
    expect(plainHttp.body.error).toBe("invalid_redirect_uri");

    const nameless = await register(server, { ...app, client_name: undefined }, TOKEN);
    expect(nameless.status).toBe(400);
    expect(nameless.body).toMatchObject({ error: "invalid_client_metadata" });

    const jwtAuth = await register(
      server,
      { ...app, token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [] } },
      TOKEN,
    );
    expect(jwtAuth.status).toBe(400);
    expect(jwtAuth.body.error).toMatch(/^invalid_client_metadata$/);

    const names = (await listOidcClients(server.tessera.ctx)).map((client) => client.name);
    expect(names).toEqual(["Registered app", "Public app"]);
  });
});

describe("open dynamic client registration", () => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite", { env: { TESSERA_OIDC_REGISTRATION: "open" } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("needs no token, and takes 10 registrations an hour from one network", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      statuses.push((await register(server, { ...app, client_name: `App ${i}` })).status);
    }
    expect(statuses).toEqual([...Array<number>(10).fill(201), 429]);
    const refused = await register(server, app);
    expect(refused.body).toMatchObject({ error: "too_many_requests" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await listOidcClients(server.tessera.ctx)).length).toBe(10);
  });
});
