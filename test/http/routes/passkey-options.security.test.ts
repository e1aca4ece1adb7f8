/**
 * Issue 14 item 9: `POST /login/passkey/options` is unauthenticated and used to write a database
 * row per call (1,726 a second from one client). Now: limited per client network with
 * @fastify/rate-limit, challenges in memory (SQLite without Redis) and capped in every store.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PASSKEY_OPTIONS_PER_MINUTE } from "../../../src/http/routes/webauthn.js";
import {
  createDatabaseChallengeStore,
  createMemoryChallengeStore,
  type ChallengeStore,
} from "../../../src/store/challenges/index.js";
import { openTestDatabase } from "../../helpers/database.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { describeStore } from "../../helpers/store.js";

describe("POST /login/passkey/options", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("limits each client network, answering 429 with Retry-After, and writes no row", async () => {
    server = await startTestServer("sqlite", { env: { TESSERA_TRUSTED_PROXIES: "127.0.0.1" } });
    const ask = (address: string) =>
      server!.client().request("POST", "/login/passkey/options", {
        json: {},
        headers: { "x-forwarded-for": address },
      });
    const statuses: number[] = [];
    for (let i = 0; i < PASSKEY_OPTIONS_PER_MINUTE + 5; i++) {
      statuses.push((await ask("198.51.100.9")).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(PASSKEY_OPTIONS_PER_MINUTE);
    expect(statuses.slice(PASSKEY_OPTIONS_PER_MINUTE)).toEqual([429, 429, 429, 429, 429]);
    const refused = await ask("198.51.100.9");
    expect(refused.body).toMatchObject({ code: "too_many_requests", status_code: 429 });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another network is not affected.
    expect((await ask("203.0.113.4")).status).toBe(200);
    // Challenges live in memory on SQLite without Redis: no row was written.
    const rows = await server.tessera.database.db
      .selectFrom("auth_challenges")
      .selectAll()
      .execute();
    expect(rows).toEqual([]);
  });
});

function anonymous(i: number) {
  return { userId: null, purpose: "passwordless", challenge: `challenge-${i}` };
}

async function expectCap(store: ChallengeStore, nowMs: number): Promise<void> {
  for (let i = 0; i < 3; i++) await store.put(anonymous(i), 60_000, nowMs);
  await expect(store.put(anonymous(3), 60_000, nowMs)).rejects.toMatchObject({
    code: "service_unavailable",
  });
  // Consuming one frees a place; expiry frees them all.
  expect(await store.consume("challenge-0", "passwordless", nowMs)).toBeDefined();
  await store.put(anonymous(4), 60_000, nowMs);
  await store.put(anonymous(5), 60_000, nowMs + 60_000);
  expect(await store.consume("challenge-4", "passwordless", nowMs + 60_000)).toBeUndefined();
  expect(await store.consume("challenge-5", "passwordless", nowMs + 60_000)).toBeDefined();
}

describe("the memory challenge store", () => {
  it("caps the live passwordless challenges", async () => {
    await expectCap(createMemoryChallengeStore(3), Date.UTC(2030, 0, 1));
  });

  it("consumes a challenge once and only for its purpose", async () => {
    const store = createMemoryChallengeStore();
    const nowMs = Date.UTC(2030, 0, 1);
    await store.put(anonymous(1), 60_000, nowMs);
    expect(await store.consume("challenge-1", "registration", nowMs)).toBeUndefined();
    await store.put(anonymous(2), 60_000, nowMs);
    const results = await Promise.all([
      store.consume("challenge-2", "passwordless", nowMs),
      store.consume("challenge-2", "passwordless", nowMs),
    ]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect(store.size).toBe(0);
  });
});

describeStore("the database challenge store", { database: false }, ({ dialect }) => {
  it("caps the live passwordless challenges", async () => {
    const database = await openTestDatabase(dialect);
    try {
      await expectCap(createDatabaseChallengeStore(database.db, 3), Date.UTC(2030, 0, 1));
    } finally {
      await database.cleanup();
    }
  });
});
