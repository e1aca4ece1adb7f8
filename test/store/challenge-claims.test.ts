/**
 * `ChallengeStore.claim` (issue 20 item 5: a proof-of-work solution is accepted once) in every
 * store: the first claim of a value wins, again while it lives, once however many race for it,
 * and the value is free again after its time; purposes do not mix.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  createDatabaseChallengeStore,
  createMemoryChallengeStore,
  type ChallengeStore,
} from "../../src/store/challenges/index.js";
import { createChallengeStoreForTest } from "../helpers/challenges.js";
import { redisSkipReason } from "../helpers/redis.js";
import { describeStore } from "../helpers/store.js";

const NOW_MS = Date.UTC(2026, 10, 28, 12, 0, 0, 0);
const TTL_MS = 60_000;
const PURPOSE = "proof_of_work";

function claimBehaviour(store: () => ChallengeStore | Promise<ChallengeStore>): void {
  it("claims a value once while it lives, again after, and per purpose", async () => {
    const claims = await store();
    expect(await claims.claim("nonce-a", PURPOSE, TTL_MS, NOW_MS)).toBe(true);
    expect(await claims.claim("nonce-a", PURPOSE, TTL_MS, NOW_MS + TTL_MS - 1)).toBe(false);
    expect(await claims.claim("nonce-a", "another purpose", TTL_MS, NOW_MS)).toBe(true);
    expect(await claims.claim("nonce-b", PURPOSE, TTL_MS, NOW_MS)).toBe(true);
    expect(await claims.claim("", PURPOSE, TTL_MS, NOW_MS)).toBe(false);
  });

  it("gives a value raced by 20 claims to exactly one", async () => {
    const claims = await store();
    const won = await Promise.all(
      Array.from({ length: 20 }, () => claims.claim("raced", PURPOSE, TTL_MS, NOW_MS)),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
  });
}

describe("the memory challenge store's claims", () => {
  claimBehaviour(() => createMemoryChallengeStore());

  it("frees a value after its time", async () => {
    const claims = createMemoryChallengeStore();
    expect(await claims.claim("nonce", PURPOSE, TTL_MS, NOW_MS)).toBe(true);
    expect(await claims.claim("nonce", PURPOSE, TTL_MS, NOW_MS + TTL_MS)).toBe(true);
  });
});

describeStore("the database challenge store's claims", (database) => {
  claimBehaviour(() => createDatabaseChallengeStore(database.db));

  it("frees a value after its time", async () => {
    const claims = createDatabaseChallengeStore(database.db);
    expect(await claims.claim("nonce", PURPOSE, TTL_MS, NOW_MS)).toBe(true);
    expect(await claims.claim("nonce", PURPOSE, TTL_MS, NOW_MS + TTL_MS)).toBe(true);
  });
});

const skipReason = await redisSkipReason("the Redis challenge store's claims");

describe.skipIf(skipReason !== null)("the Redis challenge store's claims", () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });
  claimBehaviour(async () => {
    const { store, close } = await createChallengeStoreForTest();
    closers.push(close);
    return store;
  });
});
