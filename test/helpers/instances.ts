/**
 * Several app instances over one test database, as behind a load balancer: each has its own
 * connection pool and session cache, and they hear of each other's changes only through the
 * session channel (Redis or PostgreSQL LISTEN/NOTIFY, as `env` configures).
 */
import type { FastifyInstance } from "fastify";
import type { FrozenClock } from "../../src/core/clock.js";
import { buildApp } from "../../src/http/app.js";
import { createTessera, type TesseraRuntime } from "../../src/runtime.js";
import { createMemoryRateLimitStore } from "../../src/store/rate-limit/index.js";
import { createDatabaseChallengeStore } from "../../src/store/challenges/index.js";
import { createDatabase } from "../../src/store/index.js";
import type { TestDatabase } from "./database.js";
import { testConfig } from "./server.js";

export interface Instance {
  tessera: TesseraRuntime;
  app: FastifyInstance;
  url: string;
  /** What the instance logged as warnings (e.g. the session channel lost). */
  warnings: string[];
}

/**
 * Starts an instance over its own pool of `database`, listening on 127.0.0.1; its closing is
 * pushed onto `cleanups`. `clock` is for instances that must agree on a frozen time.
 */
export async function startInstance(
  database: TestDatabase,
  env: Record<string, string>,
  cleanups: Array<() => Promise<void>>,
  clock?: FrozenClock,
): Promise<Instance> {
  const own = await createDatabase(database.url, { poolMax: 3 });
  const warnings: string[] = [];
  const tessera = await createTessera(testConfig(env), {
    database: own,
    clock,
    // Rate limits and challenges stay out of the shared Redis: only the channel goes there.
    rateLimitStore: createMemoryRateLimitStore(),
    challengeStore: createDatabaseChallengeStore(own.db),
    logger: { warn: (m) => warnings.push(m), info: () => undefined },
  });
  const app = await buildApp(tessera, { logger: false });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  cleanups.push(async () => {
    await app.close();
    await tessera.close();
    await own.destroy();
  });
  return { tessera, app, url: `http://127.0.0.1:${address.port}`, warnings };
}
