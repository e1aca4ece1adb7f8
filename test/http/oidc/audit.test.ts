/**
 * Every grant, consent, refusal and revocation of the provider is audited (issue 21 item 8;
 * services/oidc/audit-events.ts), with the client, the grant type and the error code, never a
 * token, code or secret; the provider's server errors reach the process's warnings; a provider
 * made again after a key rotation is audited too.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateSigningKey } from "../../../src/services/keys/signing-keys.js";
import { signingKeySettings } from "../../../src/runtime.js";
import { listAuditEvents, type AuditEvent } from "../../../src/store/index.js";
import { follow, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import { countStatuses, raceRequests } from "../../helpers/parallel.js";
import { discoverClient, signInToApp } from "../../helpers/oidc-flow.js";
import { waitFor } from "../../helpers/wait.js";

const REDIRECT_URI = "http://127.0.0.1:9/callback";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

describe("the provider's audit trail", () => {
  let server: OidcTestServer;
  /** Every token, code and secret the test saw: none may be in an audit event. */
  const secrets: string[] = [];
  beforeAll(async () => {
    // No refresh grace: a rotated token presented again revokes its grant at once.
    server = await startOidcTestServer("sqlite", {
      env: { TESSERA_OIDC_REFRESH_GRACE_SECONDS: "0" },
    });
  });
  afterAll(async () => {
    const events = await listAuditEvents(server.tessera.ctx.db, { limit: 1_000 });
    const text = JSON.stringify(events);
    for (const secret of secrets) expect(text).not.toContain(secret);
    await server.close();
  });

  /** The events named `event` after `sinceId`, oldest first, once the provider's writes ran. */
  async function events(event: string, sinceId = 0): Promise<AuditEvent[]> {
    await server.tessera.oidc!.settled();
    const found = await listAuditEvents(server.tessera.ctx.db, { event, limit: 1_000 });
    return found.filter((e) => e.id > sinceId).reverse();
  }
  async function lastId(): Promise<number> {
    await server.tessera.oidc!.settled();
    const [last] = await listAuditEvents(server.tessera.ctx.db, { limit: 1 });
    return last?.id ?? 0;
  }
  function remember(tokens: { access_token?: string; refresh_token?: string; id_token?: string }) {
    for (const value of [tokens.access_token, tokens.refresh_token, tokens.id_token]) {
      if (value !== undefined) secrets.push(value);
    }
  }

  it("audits code exchanges, refreshes, a reused refresh token and a revocation", async () => {
    const user = await server.createUser({});
    const app = await server.addClient({
      name: "Notes",
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    secrets.push(app.clientSecret!);
    const config = await discoverClient(server, app.clientId, app.clientSecret);
    const since = await lastId();
    const { tokens, callback } = await signInToApp(server, config, user, {
      redirectUri: REDIRECT_URI,
    });
    secrets.push(callback.searchParams.get("code")!);
    remember(tokens);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    remember(refreshed);

    const issued = await events("oidc_grant_issued", since);
    expect(issued.map((e) => [e.userId, e.detail.client_id, e.detail.grant_type])).toEqual([
      [user.id, app.clientId, "authorization_code"],
      [user.id, app.clientId, "refresh_token"],
    ]);
    expect(issued[0]!.detail.scope).toBe("openid email profile");
    expect(issued[0]!.ip).toBe("127.0.0.1");

    // The rotated token comes back: refused, and the whole grant revoked.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    const [refused] = await events("oidc_grant_refused", since);
    expect(refused).toMatchObject({
      userId: user.id,
      detail: {
        client_id: app.clientId,
        endpoint: "token",
        grant_type: "refresh_token",
        error: "invalid_grant",
      },
    });
    const [revoked] = await events("oidc_grant_revoked", since);
    expect(revoked).toMatchObject({
      userId: user.id,
      detail: { client_id: app.clientId, reason: "token_reused" },
    });
    expect(revoked!.detail.grant_id).toBeTypeOf("string");

    // A new sign-in, its refresh token revoked by the app (RFC 7009).
    const again = await signInToApp(server, config, user, { redirectUri: REDIRECT_URI });
    remember(again.tokens);
    const beforeRevocation = await lastId();
    await oidc.tokenRevocation(config, again.tokens.refresh_token!);
    const [tokenRevoked] = await events("oidc_token_revoked", beforeRevocation);
    expect(tokenRevoked).toMatchObject({
      userId: user.id,
      detail: { client_id: app.clientId, token_type: "RefreshToken", grant_revoked: true },
    });
    // Revoking is one event, not a second "grant revoked (a token was reused)".
    expect(await events("oidc_grant_revoked", beforeRevocation)).toEqual([]);
  });

  it("audits a wrong client secret, and writes nothing for a client nobody registered", async () => {
    const machine = await server.addClient({
      name: "Worker",
      redirectUris: [],
      grants: ["client_credentials"],
    });
    secrets.push(machine.clientSecret!);
    const since = await lastId();
    const token = (auth: string) =>
      server.client().request("POST", "/oidc/token", {
        body: "grant_type=client_credentials",
        origin: null,
        headers: { ...FORM, authorization: `Basic ${Buffer.from(auth).toString("base64")}` },
      });
    expect((await token(`${machine.clientId}:wrong`)).status).toBe(401);
    expect((await token("nobody:wrong")).status).toBe(401);
    const ok = await token(`${machine.clientId}:${machine.clientSecret}`);
    expect(ok.status).toBe(200);
    secrets.push(ok.body.access_token);

    const refused = await events("oidc_grant_refused", since);
    expect(refused.map((e) => [e.detail.client_id, e.detail.error])).toEqual([
      [machine.clientId, "invalid_client"],
    ]);
    const issued = await events("oidc_grant_issued", since);
    expect(issued.map((e) => [e.userId, e.detail.grant_type])).toEqual([
      [null, "client_credentials"],
    ]);
  });

  it("writes at most 30 refusals of one client and network in 15 minutes", async () => {
    const machine = await server.addClient({
      name: "Guessed",
      redirectUris: [],
      grants: ["client_credentials"],
    });
    secrets.push(machine.clientSecret!);
    const since = await lastId();
    const auth = `Basic ${Buffer.from(`${machine.clientId}:wrong`).toString("base64")}`;
    const answers = await raceRequests(
      server.baseUrl,
      Array.from({ length: 40 }, () => ({
        method: "POST",
        path: "/oidc/token",
        body: "grant_type=client_credentials",
        headers: { ...FORM, authorization: auth },
      })),
    );
    expect(countStatuses(answers)).toEqual({ 401: 40 });
    const refused = (await events("oidc_grant_refused", since)).filter(
      (e) => e.detail.client_id === machine.clientId,
    );
    expect(refused).toHaveLength(30);
  });

  it("audits a refused consent and a cancelled device approval", async () => {
    const user = await server.createUser({});
    const app = await server.addClient({ name: "Third party", redirectUris: [REDIRECT_URI] });
    const config = await discoverClient(server, app.clientId, app.clientSecret);
    const since = await lastId();
    const { callback, browser } = await signInToApp(server, config, user, {
      redirectUri: REDIRECT_URI,
      approve: false,
    });
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect((await events("oidc_consent_denied", since)).length).toBe(1);
    const [refused] = await events("oidc_grant_refused", since);
    expect(refused).toMatchObject({
      userId: user.id,
      detail: { client_id: app.clientId, endpoint: "authorization", error: "access_denied" },
    });

    // A device asks; the signed-in person enters its code, then cancels.
    const device = await server.addClient({
      name: "CLI",
      public: true,
      redirectUris: [],
      grants: ["urn:ietf:params:oauth:grant-type:device_code"],
    });
    const started = await server.client().request("POST", "/oidc/device/auth", {
      body: `client_id=${device.clientId}&scope=openid`,
      origin: null,
      headers: FORM,
    });
    expect(started.status).toBe(200);
    secrets.push(started.body.device_code, started.body.user_code);
    const entry = await browser.request("GET", "/oidc/device");
    const xsrf = (page: string) => /name="xsrf" value="([^"]+)"/.exec(page)![1]!;
    const confirm = await browser.request("POST", "/oidc/device", {
      body: new URLSearchParams({
        xsrf: xsrf(entry.text),
        user_code: started.body.user_code,
      }).toString(),
      headers: FORM,
    });
    expect(confirm.text).toContain("CLI");
    const cancelled = await browser.request("POST", "/oidc/device", {
      body: new URLSearchParams({
        xsrf: xsrf(confirm.text),
        user_code: started.body.user_code,
        confirm: "yes",
        abort: "yes",
      }).toString(),
      headers: FORM,
    });
    expect(cancelled.text).toContain("cancelled");
    const deviceRefusals = (await events("oidc_grant_refused", since)).filter(
      (e) => e.detail.endpoint === "device",
    );
    expect(deviceRefusals).toMatchObject([
      { userId: user.id, detail: { client_id: device.clientId, error: "access_denied" } },
    ]);
  });

  it("audits an RP-initiated logout with its back-channel notices", async () => {
    const user = await server.createUser({});
    const app = await server.addClient({
      name: "Logout app",
      redirectUris: [REDIRECT_URI],
      firstParty: true,
      postLogoutRedirectUris: ["http://127.0.0.1:9/bye"],
      // Nothing listens there: the notice fails, and the audit says so.
      backchannelLogoutUri: "http://127.0.0.1:9/backchannel",
    });
    const config = await discoverClient(server, app.clientId, app.clientSecret);
    const { tokens, browser } = await signInToApp(server, config, user, {
      redirectUri: REDIRECT_URI,
    });
    remember(tokens);
    const since = await lastId();
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: "http://127.0.0.1:9/bye",
    });
    const page = await follow(browser, server.issuer, url.href);
    expect(page.status).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)![1]!;
    const done = await browser.request("POST", "/oidc/logout/confirm", {
      body: new URLSearchParams({ xsrf, logout: "yes" }).toString(),
      headers: FORM,
    });
    expect(done.status).toBe(303);
    const [logout] = await events("oidc_logout", since);
    expect(logout).toMatchObject({
      userId: user.id,
      detail: {
        via: "rp_initiated",
        client_id: app.clientId,
        all: true,
        backchannel_failed: [app.clientId],
        backchannel_sent: [],
      },
    });
  });

  it("reports server errors as process warnings", async () => {
    const warnings: string[] = [];
    const listener = (warning: Error) => warnings.push(warning.message);
    process.on("warning", listener);
    try {
      const provider = server.tessera.oidc!.current();
      provider.emit("server_error", {}, new Error("the adapter broke"));
      await waitFor(() => warnings.some((w) => w.includes("the adapter broke")));
    } finally {
      process.off("warning", listener);
    }
  });

  it("audits the provider made again after a key rotation", async () => {
    const runtime = server.tessera.oidc!;
    const before = runtime.current();
    await rotateSigningKey(
      server.tessera.ctx.db,
      signingKeySettings(server.config),
      server.tessera.ctx.clock,
      "RS256",
    );
    await server.tessera.oidcKeys.refresh();
    await runtime.refresh();
    const after = runtime.current();
    expect(after).not.toBe(before);
    expect(after.listenerCount("grant.success")).toBe(1);

    const machine = await server.addClient({
      name: "After rotation",
      redirectUris: [],
      grants: ["client_credentials"],
    });
    secrets.push(machine.clientSecret!);
    const since = await lastId();
    const answer = await server.client().request("POST", "/oidc/token", {
      body: "grant_type=client_credentials",
      origin: null,
      headers: {
        ...FORM,
        authorization: `Basic ${Buffer.from(`${machine.clientId}:${machine.clientSecret}`).toString("base64")}`,
      },
    });
    expect(answer.status).toBe(200);
    secrets.push(answer.body.access_token);
    expect((await events("oidc_grant_issued", since)).map((e) => e.detail.client_id)).toEqual([
      machine.clientId,
    ]);
  });
});
