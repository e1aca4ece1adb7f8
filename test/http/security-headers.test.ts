/**
 * Issue 14 item 7 (src/http/security-headers.ts, src/http/log.ts, the 415 rule): headers on API
 * answers, /docs and pages; HSTS only over https; no query value in the log; a non-JSON body on
 * a JSON route is 415 whatever its type.
 */
import { afterEach, describe, expect, it } from "vitest";
import { redactUrl } from "../../src/http/log.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("security headers, the log and media types", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("marks API answers nosniff, no-store and no-referrer, errors included, without HSTS over http", async () => {
    server = await startTestServer("sqlite");
    const client = server.client();
    for (const answer of [
      await client.request("GET", "/healthz"),
      await client.request("GET", "/me"),
      await client.request("POST", "/login", { json: { name: "x", password: "wrong password" } }),
      await client.request("GET", "/no/such/route"),
    ]) {
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.headers.get("referrer-policy")).toBe("no-referrer");
      expect(answer.headers.get("strict-transport-security")).toBeNull();
    }
    // The pages keep their own referrer policy (and caching, see pages.test.ts).
    const page = await client.request("GET", "/");
    expect(page.headers.get("referrer-policy")).toBe("same-origin");
  });

  it("sends HSTS when the public URL is https", async () => {
    server = await startTestServer("sqlite", {
      env: { TESSERA_PUBLIC_URL: "https://tessera.test" },
    });
    const answer = await server.client().request("GET", "/healthz");
    expect(answer.headers.get("strict-transport-security")).toBe("max-age=31536000");
  });

  it("gives /docs a CSP that forbids framing, and X-Frame-Options", async () => {
    server = await startTestServer("sqlite");
    for (const path of ["/docs", "/docs/static/index.html"]) {
      const answer = await server.client().request("GET", path);
      expect([200, 302]).toContain(answer.status);
      const csp = answer.headers.get("content-security-policy") ?? "";
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).not.toMatch(/upgrade-insecure-requests/);
      expect(answer.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("answers 415 to a text/plain or other non-JSON body on a JSON route", async () => {
    server = await startTestServer("sqlite");
    for (const type of ["text/plain", "text/html", "application/xml", "multipart/form-data"]) {
      const answer = await server.client().request("POST", "/login", {
        body: '{"name":"x","password":"wrong password"}',
        headers: { "content-type": type },
      });
      expect(answer.status, type).toBe(415);
      expect(answer.body).toMatchObject({ code: "unsupported_media_type" });
    }
  });

  it("logs the path and the query's parameter names, never their values", async () => {
    const lines: string[] = [];
    server = await startTestServer("sqlite", {
      app: { logger: { level: "info", stream: { write: (line: string) => lines.push(line) } } },
    });
    await server.client().request("GET", "/healthz?token=s3cr3t-token&password=hunter2hunter2&x");
    await server.client().request("GET", "/me?token=another-s3cr3t");
    const log = lines.join("\n");
    expect(log).toContain("/healthz?token&password&x");
    expect(log).toContain("/me?token");
    expect(log).not.toMatch(/s3cr3t|hunter2/);
  });
});

describe("redactUrl", () => {
  it("keeps the path and the names only", () => {
    expect(redactUrl("/a")).toBe("/a");
    expect(redactUrl("/a?")).toBe("/a?");
    expect(redactUrl("/a?token=x&b=1&c")).toBe("/a?token&b&c");
    expect(redactUrl("/a?na%20me=v&&=v2")).toBe("/a?na%20me&");
    expect(redactUrl("/a?%E0%A4%A=1")).toBe("/a?(malformed)");
  });
});
