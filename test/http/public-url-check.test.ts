/**
 * Issue 18 item 3: a host app listening on its own port with the default public URL
 * (`http://localhost:8000`) answered 403 `csrf` to every browser sign-in, silently. The host
 * now passes its address (`loadConfig(env, { publicUrl })`), and the plugin warns once the host
 * listens when the default names another port. (The packed host app in package-host.test.ts
 * signs in with its own `Origin`.)
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { frozenClock } from "../../src/core/clock.js";
import { tessera } from "../../src/http/plugin.js";
import { PUBLIC_URL_MISMATCH_WARNING, publicUrlMismatch } from "../../src/http/public-url-check.js";
import { createTessera } from "../../src/runtime.js";
import { createUser } from "../../src/services/account/users.js";
import type { TesseraConfig } from "../../src/config/index.js";
import { freePort } from "../e2e/helpers.js";
import { openTestDatabase, type TestDatabase } from "../helpers/database.js";
import { createClient, testConfig } from "../helpers/server.js";

describe("publicUrlMismatch", () => {
  const byDefault = { publicUrl: "http://localhost:8000", publicUrlIsDefault: true };
  it("names the host's port and the fix when the default public URL names another", () => {
    const warning = publicUrlMismatch(byDefault, [3000]);
    expect(warning).toContain("listens on port 3000");
    expect(warning).toContain("http://localhost:8000");
    expect(warning).toContain('loadConfig(process.env, { publicUrl: "http://localhost:3000" })');
  });
  it("says nothing when the port matches, or when a public URL was given", () => {
    expect(publicUrlMismatch(byDefault, [8000])).toBeNull();
    expect(publicUrlMismatch(byDefault, [])).toBeNull();
    const given = { publicUrl: "https://auth.example.com", publicUrlIsDefault: false };
    expect(publicUrlMismatch(given, [3000])).toBeNull();
  });
});

describe("the plugin in a host listening on its own port", () => {
  let app: FastifyInstance | undefined;
  let database: TestDatabase | undefined;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => {
    if ((warning as Error & { code?: string }).code === PUBLIC_URL_MISMATCH_WARNING) {
      warnings.push(warning);
    }
  };

  afterEach(async () => {
    process.off("warning", onWarning);
    warnings.length = 0;
    await app?.close();
    await database?.cleanup();
  });

  /** A host app on 127.0.0.1 with the plugin over `config(port)`; its base URL once listening. */
  async function host(config: (port: number) => TesseraConfig): Promise<string> {
    database = await openTestDatabase("sqlite");
    app = Fastify({ logger: false });
    let port = await freePort();
    while (port === 8000) port = await freePort(); // the default's port would match
    const parts = await createTessera(config(port), {
      database,
      clock: frozenClock(Date.UTC(2026, 10, 28, 12)),
    });
    app.addHook("onClose", () => parts.close());
    await app.register(tessera, { tessera: parts });
    process.on("warning", onWarning);
    await app.listen({ host: "127.0.0.1", port });
    // The onListen hook runs as listen resolves; its warning is emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    return `http://127.0.0.1:${port}`;
  }

  it("warns when no public URL was given and the default names another port", async () => {
    await host(() => testConfig({ TESSERA_PUBLIC_URL: "" }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain("403 csrf");
  });

  it("signs a browser in with its Origin, and says nothing, given loadConfig's publicUrl", async () => {
    const baseUrl = await host((port) =>
      testConfig({ TESSERA_PUBLIC_URL: "" }, { publicUrl: `http://127.0.0.1:${port}` }),
    );
    expect(warnings).toEqual([]);
    await createUser(app!.tessera, null, {
      name: "hostadmin",
      email: "hostadmin@example.org",
      password: "a good password 123",
      isAdmin: true,
      mustChangePassword: false,
    });
    const browser = createClient(baseUrl, baseUrl);
    const signedIn = await browser.request("POST", "/login", {
      json: { name: "hostadmin", password: "a good password 123" },
    });
    expect(signedIn.body).toMatchObject({ name: "hostadmin", is_admin: true });
    expect(signedIn.status).toBe(200);
    // Another origin is still refused.
    const elsewhere = createClient(baseUrl, "http://localhost:8000");
    const refused = await elsewhere.request("POST", "/login", {
      json: { name: "hostadmin", password: "a good password 123" },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("csrf");
  });

  it("says nothing when TESSERA_PUBLIC_URL was given, whatever port the host listens on", async () => {
    await host(() => testConfig({ TESSERA_PUBLIC_URL: "https://auth.example.com" }));
    expect(warnings).toEqual([]);
  });
});
