/**
 * The one table of route security policy (src/http/route-policy.ts): every row names a route
 * the plugin really registers (a typo would silently leave a route closed or unchecked), and
 * each row's flags reach that route's config, and only Tessera's own routes.
 */
import type { RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTE_POLICIES, routePolicyOf } from "../../src/http/route-policy.js";
import { openRouteTable, type RouteTable } from "../helpers/route-table.js";

describe("ROUTE_POLICIES", () => {
  let table: RouteTable;
  /** Every route as registered (the objects the hooks change), by "METHOD url". */
  let routes: Map<string, RouteOptions>;

  beforeAll(async () => {
    // A host route at a Tessera path is the host's business: no policy reaches it.
    table = await openRouteTable((app) => app.get("/host/me", async () => ({})));
    routes = table.routes;
  });
  afterAll(async () => {
    await table?.close();
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
      // The check by its name: an optional-body route also has the empty-body step.
      const hooks = [route.preValidation ?? []].flat() as { name: string }[];
      const count = hooks.filter((hook) => hook.name === "recentAuthenticationCheck").length;
      expect(count, key).toBe(routePolicyOf(method, url)?.recentAuthentication === true ? 1 : 0);
    }
  });

  it("reads HEAD as GET and knows nothing of other routes", () => {
    expect(routePolicyOf("HEAD", "/me")).toEqual({ duringEnrolment: true });
    expect(routePolicyOf("GET", "/users")).toBeUndefined();
  });
});
