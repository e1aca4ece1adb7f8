/**
 * Issue 9 item 7: with the default public URL, the loopback spellings of the same port are one
 * origin (the start line prints 127.0.0.1, people type localhost); with a configured public
 * URL, a request from elsewhere is refused with `csrf` and told which address to open.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const PORT = "8123";
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function config(env: Record<string, string>) {
  return loadConfig({
    NODE_ENV: "test",
    TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"),
    TESSERA_DATA_DIR: "/nonexistent-tessera-test-dir",
    ...env,
  });
}

describe("allowed origins in the configuration", () => {
  it("accepts localhost, 127.0.0.1 and [::1] on the port when TESSERA_PUBLIC_URL is not set", () => {
    const { publicOrigin, allowedOrigins, webauthn } = config({ TESSERA_PORT: PORT });
    expect(publicOrigin).toBe(`http://localhost:${PORT}`);
    expect(allowedOrigins).toEqual([
      `http://localhost:${PORT}`,
      `http://127.0.0.1:${PORT}`,
      `http://[::1]:${PORT}`,
    ]);
    // Passkeys: an IP address cannot be the relying party, so they stay on localhost.
    expect(webauthn.origins).toEqual([`http://localhost:${PORT}`]);
    expect(webauthn.rpId).toBe("localhost");
  });

  it("accepts only the public origin when TESSERA_PUBLIC_URL is set, even a loopback one", () => {
    expect(
      config({ TESSERA_PORT: PORT, TESSERA_PUBLIC_URL: "https://auth.example.com/" })
        .allowedOrigins,
    ).toEqual(["https://auth.example.com"]);
    expect(
      config({ TESSERA_PORT: PORT, TESSERA_PUBLIC_URL: `http://localhost:${PORT}` }).allowedOrigins,
    ).toEqual([`http://localhost:${PORT}`]);
  });
});

describe("sign-in from a loopback address with the default public URL", () => {
  it.each(["localhost", "127.0.0.1", "[::1]"])(
    "signs in and writes with the session cookie from http://%s:PORT",
    async (host) => {
      server = await startTestServer("sqlite", {
        env: { TESSERA_PUBLIC_URL: "", TESSERA_PORT: PORT },
      });
      const user = await server.createUser({});
      const client = server.client();
      const origin = `http://${host}:${PORT}`;
      const login = await client.request("POST", "/login", {
        json: { name: user.name, password: user.password },
        origin,
      });
      expect(login.status).toBe(200);
      // A cookie-authenticated write passes the middleware's CSRF check too.
      const write = await client.request("POST", "/logout/all", { origin });
      expect(write.status).toBe(200);
    },
  );

  it("refuses another port or another host, and names the address to open", async () => {
    server = await startTestServer("sqlite", {
      env: { TESSERA_PUBLIC_URL: "", TESSERA_PORT: PORT },
    });
    const user = await server.createUser({});
    for (const origin of [
      "http://127.0.0.1:9999",
      "https://localhost:8123",
      "http://evil.example",
    ]) {
      const response = await server.client().request("POST", "/login", {
        json: { name: user.name, password: user.password },
        origin,
      });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({
        code: "csrf",
        extra: { public_origin: `http://localhost:${PORT}` },
      });
    }
  });
});

describe("sign-in from another address with a configured public URL", () => {
  it("refuses a loopback origin and names the public origin in extra", async () => {
    server = await startTestServer("sqlite", {
      env: { TESSERA_PUBLIC_URL: "https://auth.example.com", TESSERA_PORT: PORT },
    });
    const user = await server.createUser({});
    const response = await server.client().request("POST", "/login", {
      json: { name: user.name, password: user.password },
      origin: `http://127.0.0.1:${PORT}`,
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      status_code: 403,
      detail: "Cross-site request refused",
      code: "csrf",
      extra: { public_origin: "https://auth.example.com" },
    });
  });

  it("names the public origin when the cookie write comes from elsewhere", async () => {
    server = await startTestServer("sqlite");
    const user = await server.createUser({});
    const client = server.client();
    await client.login(user.name, user.password);
    const response = await client.request("POST", "/logout/all", {
      origin: "http://127.0.0.1:8000",
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      code: "csrf",
      extra: { public_origin: server.config.publicOrigin },
    });
  });
});
