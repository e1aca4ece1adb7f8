/**
 * Issue 14 item 1, "limits that cannot be raced": 100 guesses released together, on connections
 * opened beforehand, against each limit that guards a password or a second factor. An answer
 * other than 429 means the guess passed the limit and was checked (Argon2 for a password, the
 * code or the signature for a second factor), so the non-429 answers are the checks counted.
 * Runs on the memory store, on the SQLite database store (the default without Redis), on Redis,
 * on two instances sharing Redis, and on two instances sharing PostgreSQL without Redis.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { generateTotp } from "../../src/core/totp.js";
import { createHashGate } from "../../src/services/abuse/hash-gate.js";
import { createDatabase } from "../../src/store/index.js";
import {
  createDatabaseRateLimitStore,
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
} from "../../src/store/rate-limit/index.js";
import { TEST_DIALECTS, openTestDatabase } from "../helpers/database.js";
import { countStatuses, raceRequests, type RaceRequest } from "../helpers/parallel.js";
import { openTestRedis, redisSkipReason } from "../helpers/redis.js";
import { TEST_ORIGIN, startTestServer, type TestServer } from "../helpers/server.js";

const GUESSES = 100;
/**
 * A hashing gate wide enough for the whole race: these tests are about the throttle, and the
 * default gate would shed part of 100 simultaneous sign-ins with 503 (load-shedding.security.test.ts).
 */
const wideGate = () => createHashGate({ maxQueued: 1_000 });
const redisUnreachable = await redisSkipReason("the two-instance races");
const testRedis = redisUnreachable === null ? openTestRedis("races") : null;
afterAll(() => testRedis?.cleanup());

interface Setup {
  name: string;
  skipReason: string | null;
  /** One or two servers sharing their database and their counters. */
  start(env: Record<string, string>): Promise<TestServer[]>;
}

const SETUPS: Setup[] = [
  {
    name: "the memory store",
    skipReason: null,
    start: async (env) => [
      await startTestServer("sqlite", {
        env,
        overrides: { rateLimitStore: createMemoryRateLimitStore(), hashGate: wideGate() },
      }),
    ],
  },
  {
    // The default without Redis (issue 14 item 6).
    name: "the SQLite database",
    skipReason: null,
    start: async (env) => [
      await startTestServer("sqlite", { env, overrides: { hashGate: wideGate() } }),
    ],
  },
  {
    name: "two instances sharing PostgreSQL",
    skipReason: TEST_DIALECTS.includes("postgres") ? null : "PostgreSQL is not reachable here",
    async start(env) {
      const shared = { TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"), ...env };
      const database = await openTestDatabase("postgres");
      const second = await createDatabase(database.url);
      const first = await startTestServer("postgres", {
        env: shared,
        overrides: {
          database,
          rateLimitStore: createDatabaseRateLimitStore(database.db),
          hashGate: wideGate(),
        },
      });
      const other = await startTestServer("postgres", {
        env: shared,
        overrides: {
          database: second,
          rateLimitStore: createDatabaseRateLimitStore(second.db),
          hashGate: wideGate(),
        },
      });
      const close = first.close.bind(first);
      first.close = async () => {
        await close();
        await second.destroy();
        await database.cleanup();
      };
      return [first, other];
    },
  },
  {
    name: "Redis",
    skipReason: redisUnreachable,
    start: async (env) => [
      await startTestServer("postgres", { env, overrides: { hashGate: wideGate() } }),
    ],
  },
  {
    name: "two instances sharing Redis",
    skipReason: redisUnreachable,
    async start(env) {
      if (testRedis === null) throw new Error("Redis not connected");
      const keyPrefix = testRedis.subPrefix();
      // One secret, so a session of one instance is valid on the other.
      const shared = { TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"), ...env };
      const first = await startTestServer("postgres", {
        env: shared,
        overrides: {
          rateLimitStore: createRedisRateLimitStore(await testRedis.connect(), { keyPrefix }),
          hashGate: wideGate(),
        },
      });
      const second = await startTestServer("postgres", {
        env: shared,
        overrides: {
          database: first.tessera.database,
          rateLimitStore: createRedisRateLimitStore(await testRedis.connect(), { keyPrefix }),
          hashGate: wideGate(),
        },
      });
      return [first, second];
    },
  },
];

/** The guesses spread over the servers in turn. */
function spread(servers: TestServer[], make: (i: number) => RaceRequest): RaceRequest[] {
  return Array.from({ length: GUESSES }, (_, i) => ({
    ...make(i),
    baseUrl: servers[i % servers.length]!.baseUrl,
  }));
}

/** How many guesses got past the limit (anything but 429), after checking no 5xx came back. */
function checked(answers: { status: number }[], label: string): number {
  const counts = countStatuses(answers);
  console.log(`race ${label}: ${JSON.stringify(counts)}`);
  expect(Object.keys(counts).every((status) => Number(status) < 500)).toBe(true);
  return answers.filter((answer) => answer.status !== 429).length;
}

function cookieHeader(cookies: Map<string, string>): string {
  return [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
}

for (const setup of SETUPS) {
  describe.skipIf(setup.skipReason !== null)(`100 parallel guesses on ${setup.name}`, () => {
    let servers: TestServer[] = [];
    afterEach(async () => {
      for (const server of servers.reverse()) await server.close();
      servers = [];
    });

    it("check at most 5 passwords of one account", async () => {
      servers = await setup.start({});
      const user = await servers[0]!.createUser({});
      const answers = await raceRequests(
        servers[0]!.baseUrl,
        spread(servers, () => ({
          method: "POST",
          path: "/login",
          headers: { origin: TEST_ORIGIN },
          body: { name: user.name, password: "wrong password" },
        })),
      );
      expect(checked(answers, `account on ${setup.name}`)).toBeLessThanOrEqual(5);
    });

    it("check at most the address limit's number of passwords from one address", async () => {
      servers = await setup.start({ TESSERA_LOGIN_ADDRESS_MAX_FAILURES: "20" });
      const answers = await raceRequests(
        servers[0]!.baseUrl,
        spread(servers, (i) => ({
          method: "POST",
          path: "/login",
          headers: { origin: TEST_ORIGIN },
          body: { name: `someone-${i}`, password: "wrong password" },
        })),
      );
      expect(checked(answers, `address on ${setup.name}`)).toBeLessThanOrEqual(20);
    });

    it("check at most 5 TOTP codes of one user", async () => {
      servers = await setup.start({});
      const server = servers[0]!;
      const user = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      const setupAnswer = await client.request("POST", `/users/${user.id}/2fa/totp/setup`);
      const good = generateTotp(setupAnswer.body.secret, { clock: server.clock });
      const wrong = good === "123456" ? "654321" : "123456";
      const answers = await raceRequests(
        server.baseUrl,
        spread(servers, () => ({
          method: "POST",
          path: `/users/${user.id}/2fa/totp/confirm`,
          headers: { origin: TEST_ORIGIN, cookie: cookieHeader(client.cookies) },
          body: { code: wrong },
        })),
      );
      expect(checked(answers, `TOTP on ${setup.name}`)).toBeLessThanOrEqual(5);
    });

    it("check at most 5 old passwords on the change route with a stolen session", async () => {
      servers = await setup.start({});
      const server = servers[0]!;
      const user = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      const answers = await raceRequests(
        server.baseUrl,
        spread(servers, (i) => ({
          method: "PATCH",
          path: `/users/${user.id}/password/change`,
          headers: { origin: TEST_ORIGIN, cookie: cookieHeader(client.cookies) },
          body: { old_password: `guess number ${i}`, new_password: "a brand new passphrase 77" },
        })),
      );
      expect(checked(answers, `old_password on ${setup.name}`)).toBeLessThanOrEqual(5);
    });

    it("check at most 5 passwordless answers naming one credential from one address", async () => {
      servers = await setup.start({});
      const answers = await raceRequests(
        servers[0]!.baseUrl,
        spread(servers, () => ({
          method: "POST",
          path: "/login/passkey",
          headers: { origin: TEST_ORIGIN },
          body: { webauthn_response: { id: "AAAA", rawId: "AAAA", type: "public-key" } },
        })),
      );
      expect(checked(answers, `passwordless on ${setup.name}`)).toBeLessThanOrEqual(5);
    });
  });
}
