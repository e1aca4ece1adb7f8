/**
 * The OpenID provider's `roles` scope (issue 23): asked and granted, the ID token, userinfo and
 * nothing else carry `roles` and `permissions` as the user holds them; without the scope an
 * application learns neither.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRole, setUserRoles } from "../../../src/services/account/roles.js";
import { follow, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";

const REDIRECT_URI = "http://127.0.0.1:9/roles/callback";

describe("OpenID Connect: the roles scope", () => {
  let server: OidcTestServer;
  let config: oidc.Configuration;
  let user: Awaited<ReturnType<OidcTestServer["createUser"]>>;

  beforeAll(async () => {
    server = await startOidcTestServer("sqlite");
    user = await server.createUser({});
    await createRole(server.tessera.ctx, null, {
      name: "billing",
      permissions: ["invoices:write"],
    });
    await setUserRoles(server.tessera.ctx, null, user.id, ["billing"]);
    const { clientId, clientSecret } = (await server.addClient({
      name: "Roles RP",
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    })) as { clientId: string; clientSecret: string };
    config = await oidc.discovery(new URL(server.issuer), clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function tokens(scope: string) {
    const browser = server.browser();
    await browser.login(user.name, user.password);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    const { final } = await follow(browser, server.issuer, url.href);
    expect(final.startsWith(`${REDIRECT_URI}?`), final).toBe(true);
    return oidc.authorizationCodeGrant(config, new URL(final), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      idTokenExpected: true,
    });
  }

  it("is offered, and releases roles and permissions in the ID token and userinfo", async () => {
    expect(config.serverMetadata().scopes_supported).toContain("roles");
    const result = await tokens("openid roles");
    expect(result.claims()).toMatchObject({ roles: ["billing"], permissions: ["invoices:write"] });
    const info = await oidc.fetchUserInfo(config, result.access_token, user.id);
    expect(info).toMatchObject({ roles: ["billing"], permissions: ["invoices:write"] });
  });

  it("releases neither without the scope", async () => {
    const result = await tokens("openid");
    expect(result.claims()?.roles).toBeUndefined();
    const info = await oidc.fetchUserInfo(config, result.access_token, user.id);
    expect(info.roles).toBeUndefined();
    expect(info.permissions).toBeUndefined();
  });
});
