/**
 * One harness for the HTTP tests (STYLE principle 14): the real app over a fresh database of
 * the given dialect (PostgreSQL runs use Redis for the rate limits, as a multi-instance
 * deployment does), a frozen clock, listening on a real port on 127.0.0.1.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { frozenClock, type FrozenClock } from "../../src/core/clock.js";
import {
  ConfigError,
  loadConfig,
  type LoadConfigOptions,
  type TesseraConfig,
} from "../../src/config/index.js";
import { buildApp, type BuildAppOptions } from "../../src/http/app.js";
import { createTessera, type TesseraOverrides, type TesseraRuntime } from "../../src/runtime.js";
import { createUser } from "../../src/services/account/users.js";
import {
  createRedisRateLimitStore,
  type RateLimitStore,
} from "../../src/store/rate-limit/index.js";
import { closeRedisClient, createRedisClient } from "../../src/store/redis/client.js";
import type { User } from "../../src/store/index.js";
import { openTestDatabase, type TestDialect } from "./database.js";
import { createDiscardMailTransport } from "./smtp.js";

/**
 * The JWT secret of every test configuration that names none: one per test process, so that
 * instances started one after the other over one database (a restart, a second instance) open
 * the keys the first sealed with it (the RS256 key every installation keeps, issue 21), as a
 * real deployment's instances share their secret. A test about another secret names it.
 */
export const TEST_JWT_SECRET = randomBytes(32).toString("base64url");

/** The origin the test server believes it is served from. */
export const TEST_ORIGIN = "http://tessera.test";
/** Cheap Argon2 parameters so the suite stays fast (the defaults are tested in core). */
export const TEST_ARGON2_ENV = {
  TESSERA_ARGON2_MEMORY_KIB: "1024",
  TESSERA_ARGON2_ITERATIONS: "1",
  TESSERA_ARGON2_PARALLELISM: "1",
};

/**
 * A configuration for tests: a fresh random secret, the test origin, cheap Argon2, and a data
 * folder no test may write to (the database is always passed in, mail goes where the test
 * says); `env` adds or replaces variables.
 */
export function testConfig(
  env: Record<string, string> = {},
  options: LoadConfigOptions = {},
): TesseraConfig {
  return loadConfig(
    {
      NODE_ENV: "test",
      TESSERA_JWT_SECRET: TEST_JWT_SECRET,
      TESSERA_PUBLIC_URL: TEST_ORIGIN,
      TESSERA_DATA_DIR: "/nonexistent-tessera-test-dir",
      ...TEST_ARGON2_ENV,
      ...env,
    },
    options,
  );
}

/** The problems `testConfig(env)` reports (none: an empty list). */
export function configProblems(env: Record<string, string>): readonly string[] {
  try {
    testConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

export interface TestServer {
  app: FastifyInstance;
  /** The running parts the app was built over (`createTessera`). */
  tessera: TesseraRuntime;
  config: TesseraConfig;
  clock: FrozenClock;
  baseUrl: string;
  dialect: TestDialect;
  /** The database's URL, for a second connection (an operator command's). */
  databaseUrl: string;
  /** Creates a user directly through the service (no HTTP). */
  createUser(input: {
    name?: string;
    email?: string;
    password?: string;
    isAdmin?: boolean;
    mustChangePassword?: boolean;
  }): Promise<User & { password: string }>;
  /** A client with its own cookie jar. */
  client(): TestClient;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  text: string;
}

export interface TestClient {
  /** Cookie jar: name -> value. */
  cookies: Map<string, string>;
  request(
    method: string,
    path: string,
    options?: {
      json?: unknown;
      body?: string;
      headers?: Record<string, string>;
      origin?: string | null;
    },
  ): Promise<TestResponse>;
  /** Signs in through `POST /login`; throws unless it answers 200. */
  login(name: string, password: string, extra?: Record<string, unknown>): Promise<TestResponse>;
}

export async function startTestServer(
  dialect: TestDialect,
  options: {
    env?: Record<string, string>;
    overrides?: TesseraOverrides;
    app?: BuildAppOptions;
    /** The port to listen on (default: any free one). */
    port?: number;
  } = {},
): Promise<TestServer> {
  const database = await openTestDatabase(dialect);
  const config = testConfig(options.env);
  const clock = frozenClock(Date.UTC(2026, 10, 28, 12, 0, 0));

  let rateLimitStore: RateLimitStore | undefined;
  let closeRedis = async () => {};
  if (dialect === "postgres") {
    const redis = createRedisClient(process.env.TESSERA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
    const keyPrefix = `tessera-test:${randomUUID()}:`;
    rateLimitStore = createRedisRateLimitStore(redis, { keyPrefix });
    closeRedis = async () => {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await closeRedisClient(redis);
    };
  }

  // Mail: to the SMTP server or outbox a test configures, else dropped (no files in a data
  // folder the tests do not have).
  const mailsConfigured =
    options.env?.TESSERA_SMTP_URL !== undefined || options.env?.TESSERA_DATA_DIR !== undefined;
  const tessera = await createTessera(config, {
    database,
    clock,
    mailPollIntervalMs: 100,
    ...(mailsConfigured ? {} : { mailTransport: createDiscardMailTransport() }),
    ...(rateLimitStore === undefined ? {} : { rateLimitStore }),
    ...options.overrides,
  });
  const app = await buildApp(tessera, { logger: false, closeTessera: true, ...options.app });
  await app.listen({ host: "127.0.0.1", port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const baseUrl = `http://127.0.0.1:${address.port}`;

  let counter = 0;
  const server: TestServer = {
    app,
    tessera,
    config,
    clock,
    baseUrl,
    dialect,
    databaseUrl: database.url,
    async createUser(input) {
      counter += 1;
      const password = input.password ?? `pw-${randomUUID()}`;
      const user = await createUser(app.tessera, null, {
        name: input.name ?? `user${counter}-${randomUUID().slice(0, 8)}`,
        email: input.email ?? `user${counter}-${randomUUID().slice(0, 8)}@example.org`,
        password,
        isAdmin: input.isAdmin ?? false,
        mustChangePassword: input.mustChangePassword ?? false,
      });
      return { ...user, password };
    },
    client: () => createClient(baseUrl),
    async close() {
      await app.close();
      await closeRedis();
      await database.cleanup();
    },
  };
  return server;
}

/** A client with its own cookie jar for any listening server; writes carry `origin`. */
export function createClient(baseUrl: string, origin: string = TEST_ORIGIN): TestClient {
  const cookies = new Map<string, string>();
  const client: TestClient = {
    cookies,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.json !== undefined) headers["content-type"] ??= "application/json";
      // Browsers send Origin on writes; default to ours, `null` sends none.
      if (options.origin !== null && !["GET", "HEAD"].includes(method))
        headers.origin ??= options.origin ?? origin;
      if (cookies.size > 0 && headers.cookie === undefined) {
        headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      }
      const response = await fetch(baseUrl + path, {
        method,
        headers,
        body:
          options.body ?? (options.json === undefined ? undefined : JSON.stringify(options.json)),
        redirect: "manual",
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const index = pair?.indexOf("=") ?? -1;
        if (pair === undefined || index < 0) continue;
        const name = pair.slice(0, index).trim();
        const value = pair.slice(index + 1).trim();
        if (value === "" || /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line))
          cookies.delete(name);
        else cookies.set(name, value);
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: response.status, headers: response.headers, body, text };
    },
    async login(name, password, extra = {}) {
      const response = await client.request("POST", "/login", {
        json: { name, password, ...extra },
      });
      if (response.status !== 200)
        throw new Error(`login failed: ${response.status} ${response.text}`);
      return response;
    },
  };
  return client;
}
