/**
 * Behind a reverse proxy (the README's "Sign in to your other apps"): the issuer is
 * `TESSERA_PUBLIC_URL`, and every URL the provider writes is under it, whatever Host and
 * X-Forwarded-* headers a request carries. A TLS proxy that reaches Tessera over http still gets
 * https endpoints (with or without `TESSERA_TRUSTED_PROXIES`), and a client's X-Forwarded-Host,
 * which nginx passes through unless told otherwise, names no other host.
 */
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";

const PUBLIC_URL = "https://auth.example.com";

/** One request to the server's socket with the headers a proxy (or a client) sends. */
function send(
  server: OidcTestServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: "127.0.0.1", port: Number(port), method, path, headers },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString()));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** Every string value of the discovery document that is a URL. */
function urlsOf(metadata: Record<string, unknown>): string[] {
  return Object.values(metadata).filter(
    (value): value is string => typeof value === "string" && /^[a-z]+:\/\//.test(value),
  );
}

const HEADER_SETS: Record<string, Record<string, string>> = {
  "the public Host, no X-Forwarded-*": { host: "auth.example.com" },
  "X-Forwarded-Proto: https": { host: "auth.example.com", "x-forwarded-proto": "https" },
  "a client's X-Forwarded-Host passed through": {
    host: "auth.example.com",
    "x-forwarded-proto": "https",
    "x-forwarded-host": "evil.example",
  },
  "another Host": { host: "evil.example", "x-forwarded-proto": "http" },
};

describe.each([
  ["without TESSERA_TRUSTED_PROXIES", {}],
  ["with TESSERA_TRUSTED_PROXIES=127.0.0.1", { TESSERA_TRUSTED_PROXIES: "127.0.0.1" }],
])("OpenID Connect behind a reverse proxy, %s", (_name, env) => {
  let server: OidcTestServer;
  afterEach(async () => {
    await server?.close();
  });

  it("lists every endpoint under TESSERA_PUBLIC_URL, whatever the request's headers", async () => {
    server = await startOidcTestServer("sqlite", {
      env: { TESSERA_PUBLIC_URL: PUBLIC_URL, ...env },
    });
    for (const [name, headers] of Object.entries(HEADER_SETS)) {
      const { status, json } = await send(
        server,
        "GET",
        "/.well-known/openid-configuration",
        headers,
      );
      expect(status, name).toBe(200);
      expect(json.issuer, name).toBe(PUBLIC_URL);
      expect(json.authorization_endpoint, name).toBe(`${PUBLIC_URL}/oidc/auth`);
      expect(json.jwks_uri, name).toBe(`${PUBLIC_URL}/oidc/jwks`);
      for (const url of urlsOf(json)) {
        expect(url === PUBLIC_URL || url.startsWith(`${PUBLIC_URL}/`), `${name}: ${url}`).toBe(
          true,
        );
      }
    }

    // The device flow's verification_uri, which a CLI prints for the person, too.
    const { clientId } = await server.addClient({
      name: "CLI",
      public: true,
      redirectUris: [],
      grants: ["urn:ietf:params:oauth:grant-type:device_code"],
    });
    const device = await send(
      server,
      "POST",
      "/oidc/device/auth",
      {
        ...HEADER_SETS["a client's X-Forwarded-Host passed through"],
        "content-type": "application/x-www-form-urlencoded",
      },
      new URLSearchParams({ client_id: clientId, scope: "openid" }).toString(),
    );
    expect(device.status).toBe(200);
    expect(device.json.verification_uri).toBe(`${PUBLIC_URL}/oidc/device`);
  });
});
