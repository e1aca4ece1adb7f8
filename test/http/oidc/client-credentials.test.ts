/**
 * Client credentials with resource indicators (RFC 6749 §4.4, RFC 8707), for machine clients
 * (issue 21 item 2): a confidential client registered with `tessera clients add --grant
 * client_credentials` asks openid-client for a token for `resource=https://api.example.test`
 * and gets a JWT access token (RFC 9068: `typ: at+jwt`) whose `aud` is that resource, signed
 * RS256 with a key of the JWKS, checked here with node:crypto and the published key only.
 * Without `resource` the provider issues an opaque token with no audience, which only the
 * provider's introspection can read, and which is no good at userinfo (there is no person).
 */
import { createPublicKey, verify, type JsonWebKey } from "node:crypto";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";

const RESOURCE = "https://api.example.test";

function part(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[index]!, "base64url").toString("utf8"));
}

/** The claims of a JWT whose RS256 signature a key of the JWKS (by `kid`) verifies. */
async function verifiedWithJwks(token: string, jwksUri: string): Promise<Record<string, unknown>> {
  const header = part(token, 0);
  expect(header.alg).toBe("RS256");
  const { keys } = (await (await fetch(jwksUri)).json()) as {
    keys: (JsonWebKey & { kid: string })[];
  };
  const jwk = keys.find((key) => key.kid === header.kid);
  if (jwk === undefined) throw new Error(`no key ${String(header.kid)} in the JWKS`);
  const [head, body, signature] = token.split(".");
  const valid = verify(
    "sha256",
    Buffer.from(`${head}.${body}`),
    createPublicKey({ key: jwk, format: "jwk" }),
    Buffer.from(signature!, "base64url"),
  );
  if (!valid) throw new Error("the signature does not verify");
  return part(token, 1);
}

describe("OpenID Connect: client credentials with a resource indicator", () => {
  let server: OidcTestServer;
  let clientId: string;
  let clientSecret: string;
  let config: oidc.Configuration;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite");
    const added = await server.cli(
      "clients",
      "add",
      "--name",
      "Billing worker",
      "--grant",
      "client_credentials",
      "--json",
    );
    expect(added, added.errors.join("\n")).toMatchObject({ code: 0 });
    ({ client_id: clientId, client_secret: clientSecret } = JSON.parse(added.lines.join("")));
    config = await oidc.discovery(new URL(server.issuer), clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("gives a JWT access token for the resource: aud is the resource, verifiable with the JWKS", async () => {
    expect(config.serverMetadata().grant_types_supported).toContain("client_credentials");
    const tokens = await oidc.clientCredentialsGrant(config, { resource: RESOURCE });
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.expires_in).toBe(600); // TESSERA_OIDC_ACCESS_TOKEN_MINUTES, 10
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    expect(part(tokens.access_token, 0).typ).toBe("at+jwt");

    const claims = await verifiedWithJwks(tokens.access_token, config.serverMetadata().jwks_uri!);
    expect(claims).toMatchObject({ iss: server.issuer, aud: RESOURCE, client_id: clientId });
    expect(claims.sub).toBe(clientId); // RFC 9068 §2.2: no person, the client is the subject
    expect(claims.exp).toBe((claims.iat as number) + 600);
    expect(claims.jti).toBeTypeOf("string");

    // The resource server verifies it with the JWKS alone: the provider neither introspects nor
    // revokes a JWT access token (it lives its 10 minutes).
    await expect(oidc.tokenIntrospection(config, tokens.access_token)).rejects.toMatchObject({
      error: "unsupported_token_type",
    });
    await expect(oidc.tokenRevocation(config, tokens.access_token)).rejects.toMatchObject({
      error: "unsupported_token_type",
    });
  });

  it("without a resource: an opaque token with no audience, for introspection only", async () => {
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.access_token.split(".")).toHaveLength(1);

    const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspected).toMatchObject({ active: true, client_id: clientId, token_type: "Bearer" });
    expect(introspected.aud).toBeUndefined();
    expect(introspected.sub).toBeUndefined();

    // Another client holding it learns nothing (a client introspects only its own tokens).
    const other = await server.addClient({
      name: "Other worker",
      redirectUris: [],
      grants: ["client_credentials"],
    });
    const otherConfig = await oidc.discovery(
      new URL(server.issuer),
      other.clientId,
      other.clientSecret,
      undefined,
      { execute: [oidc.allowInsecureRequests] },
    );
    expect(await oidc.tokenIntrospection(otherConfig, tokens.access_token)).toEqual({
      active: false,
    });

    // No person behind it: userinfo refuses it.
    const info = await fetch(config.serverMetadata().userinfo_endpoint!, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(info.status).toBe(401);
    expect(await info.json()).toMatchObject({ error: "invalid_token" });
  });

  it("refuses two resources, a relative one, or one with a fragment (invalid_target)", async () => {
    for (const resource of [
      [RESOURCE, "https://other.example.test"],
      ["/api"],
      [`${RESOURCE}/#part`],
    ]) {
      const body = new URLSearchParams({ grant_type: "client_credentials" });
      for (const value of resource) body.append("resource", value);
      const response = await fetch(config.serverMetadata().token_endpoint!, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body,
      });
      expect(response.status, resource.join(" ")).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_target" });
    }
  });

  it("refuses the grant to a client registered without it", async () => {
    const other = await server.addClient({
      name: "Web app",
      redirectUris: ["http://127.0.0.1:9/cb"],
    });
    const otherConfig = await oidc.discovery(
      new URL(server.issuer),
      other.clientId,
      other.clientSecret,
      undefined,
      { execute: [oidc.allowInsecureRequests] },
    );
    // oidc-provider answers invalid_request here (RFC 6749 §5.2 would say unauthorized_client).
    await expect(
      oidc.clientCredentialsGrant(otherConfig, { resource: RESOURCE }),
    ).rejects.toMatchObject({
      error: "invalid_request",
      error_description: "requested grant type is not allowed for this client",
    });
  });
});
