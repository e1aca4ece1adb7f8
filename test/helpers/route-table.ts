/**
 * Tessera's route table as Fastify registers it: the plugin mounted in a bare Fastify over a
 * fresh SQLite database, every route object seen by a root `onRoute` hook (which runs first and
 * keeps the object the plugin's own hooks then complete), by `"METHOD url"`.
 */
import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import { frozenClock } from "../../src/core/clock.js";
import { tessera } from "../../src/http/plugin.js";
import { createTessera } from "../../src/runtime.js";
import { openTestDatabase } from "./database.js";
import { testConfig } from "./server.js";

export interface RouteTable {
  app: FastifyInstance;
  /** Every route as registered, HEAD included. */
  routes: Map<string, RouteOptions>;
  close(): Promise<void>;
}

/** Builds the app; `host` adds the host's own routes after the plugin. */
export async function openRouteTable(
  host: (app: FastifyInstance) => void = () => undefined,
): Promise<RouteTable> {
  const database = await openTestDatabase("sqlite");
  const app = Fastify({ logger: false });
  const routes = new Map<string, RouteOptions>();
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.set(`${String(method)} ${route.url}`, route);
  });
  const parts = await createTessera(testConfig(), {
    database,
    clock: frozenClock(Date.UTC(2026, 10, 28, 12)),
  });
  await app.register(tessera, { tessera: parts });
  host(app);
  await app.ready();
  return {
    app,
    routes,
    close: async () => {
      await app.close();
      await database.cleanup();
    },
  };
}
