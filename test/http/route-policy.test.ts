/**
 * The one table of route security policy (src/http/route-policy.ts): every row names a route
 * the plugin really registers (a typo would silently leave a route closed or unchecked), and
 * each row's flags reach that route's config, and only Tessera's own routes.
 */
import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frozenClock } from "../../src/core/clock.js";
import { tessera } from "../../src/http/plugin.js";
import { ROUTE_POLICIES, routePolicyOf } from "../../src/http/route-policy.js";
import { createTessera } from "../../src/runtime.js";
import { openTestDatabase, type TestDatabase } from "../helpers/database.js";
import { testConfig } from "../helpers/server.js";

describe("ROUTE_POLICIES", () => {
  let app: FastifyInstance;
  let database: TestDatabase;
  /** Every route as registered (the objects the hooks change), by "METHOD url". */
  const routes = new Map<string, RouteOptions>();

  beforeAll(async () => {
    database = await openTestDatabase("sqlite");
    app = Fastify({ logger: false });
    // The root's hook runs first and keeps the route object the plugin's hook then completes.
    app.addHook("onRoute", (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) routes.set(`${String(method)} ${route.url}`, route);
    });
    const parts = await createTessera(testConfig(), {
      database,
      clock: frozenClock(Date.UTC(2026, 10, 28, 12)),
    });
    await app.register(tessera, { tessera: parts });
    // A host route at a Tessera path is the host's business: no policy reaches it.
    app.get("/host/me", async () => ({}));
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.cleanup();
  });

  it.each(Object.keys(ROUTE_POLICIES))("names a registered route: %s", (key) => {
    expect(routes.has(key)).toBe(true);
  });

  it("copies each row into its route's config, and nothing into the others", () => {
    for (const [key, route] of routes) {
      const [method, url] = key.split(" ") as [string, string];
      const policy = routePolicyOf(method, url);
      const config = (route.config ?? {}) as Record<string, unknown>;
      expect(config.allowDuringEnrolment === true, key).toBe(policy?.duringEnrolment === true);
      expect(config.requireRecentAuthentication === true, key).toBe(
        policy?.recentAuthentication === true,
      );
    }
    expect(routes.has("GET /host/me")).toBe(true);
  });

  it("gives the recent-authentication check to the routes that need it, and no other", () => {
    for (const [key, route] of routes) {
      const [method, url] = key.split(" ") as [string, string];
      const hooks = route.preValidation ?? [];
      const count = Array.isArray(hooks) ? hooks.length : 1;
      expect(count, key).toBe(routePolicyOf(method, url)?.recentAuthentication === true ? 1 : 0);
    }
  });

  it("reads HEAD as GET and knows nothing of other routes", () => {
    expect(routePolicyOf("HEAD", "/me")).toEqual({ duringEnrolment: true });
    expect(routePolicyOf("GET", "/users")).toBeUndefined();
  });
});
