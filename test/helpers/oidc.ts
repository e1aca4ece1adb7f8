/**
 * A test server whose public URL is its real address, so a relying party (openid-client, a
 * Python client, Chromium) can reach the issuer it discovers, on the real clock (the provider
 * keeps time with it); and a registered client.
 */
import { createServer } from "node:net";
import { systemClock } from "../../src/core/clock.js";
import { addOidcClient } from "../../src/services/oidc/clients.js";
import type { OidcClientInput } from "../../src/services/oidc/client-metadata.js";
import { createClient, startTestServer, type TestClient, type TestServer } from "./server.js";
import type { TestDialect } from "./database.js";

/** A free TCP port on the loopback (closed again at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface OidcTestServer extends TestServer {
  /** The issuer: `baseUrl`. */
  issuer: string;
  /** A client with its own cookie jar whose writes come from the issuer's origin. */
  browser(): TestClient;
  /** Registers a client; its id and secret. */
  addClient(input: Partial<OidcClientInput> & { redirectUris?: string[] }): Promise<{
    clientId: string;
    clientSecret?: string;
  }>;
}

export async function startOidcTestServer(
  dialect: TestDialect,
  options: { env?: Record<string, string> } = {},
): Promise<OidcTestServer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const server = await startTestServer(dialect, {
    port,
    env: { TESSERA_PUBLIC_URL: issuer, ...options.env },
    overrides: { clock: systemClock },
  });
  return Object.assign(server, {
    issuer,
    browser: () => createClient(server.baseUrl, issuer),
    async addClient(input: Partial<OidcClientInput> & { redirectUris?: string[] }) {
      return addOidcClient(server.tessera.ctx, {
        name: "Test app",
        redirectUris: ["http://127.0.0.1:9/callback"],
        ...input,
      } as OidcClientInput);
    },
  });
}

/**
 * Follows a browser's redirects from `url` with the client's cookie jar until one leaves the
 * server (the client's redirect URI) or a page answers; every hop is returned.
 */
export async function follow(
  browser: TestClient,
  issuer: string,
  url: string,
  limit = 20,
): Promise<{ final: string; status: number; hops: string[]; text: string }> {
  const hops: string[] = [];
  let current = url;
  for (let i = 0; i < limit; i += 1) {
    hops.push(current);
    if (!current.startsWith(issuer)) return { final: current, status: 0, hops, text: "" };
    const response = await browser.request("GET", current.slice(issuer.length));
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || location === null) {
      return { final: current, status: response.status, hops, text: response.text };
    }
    current = new URL(location, current).href;
  }
  throw new Error(`Too many redirects: ${hops.join(" -> ")}`);
}
