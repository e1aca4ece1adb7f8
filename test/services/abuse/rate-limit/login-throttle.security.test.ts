/**
 * Abuse cases of the login and TOTP limits (security catalog LG-05, LG-06, LG-07, LG-08,
 * LG-09, LG-11, MI-01, MI-02), over the memory store and a real Redis.
 */
import { afterAll, describe, expect, it } from "vitest";
import { frozenClock } from "../../../../src/core/clock.js";
import { InternalError, TooManyRequestsError } from "../../../../src/core/errors.js";
import {
  DEFAULT_ACCOUNT_POLICY,
  DEFAULT_ADDRESS_POLICY,
  accountThrottleKey,
  createLoginThrottle,
} from "../../../../src/services/abuse/rate-limit/index.js";
import {
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
} from "../../../../src/store/rate-limit/index.js";
import { closeRedisClient, createRedisClient } from "../../../../src/store/redis/client.js";
import { createStoreHarness } from "../../../helpers/rate-limit-stores.js";

const harness = await createStoreHarness("login-throttle-security");
afterAll(() => harness.cleanup());

const START_MS = Date.UTC(2030, 0, 1);
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;

async function refusal(assertion: Promise<void>): Promise<number | null> {
  try {
    await assertion;
    return null;
  } catch (error) {
    if (!(error instanceof TooManyRequestsError)) throw error;
    return error.retryAfterSeconds;
  }
}

for (const kind of harness.kinds) {
  describe.skipIf(kind.skipReason !== null)(`abuse limits over the ${kind.name} store`, () => {
    it("does not extend a lock for attempts refused while locked", async () => {
      const clock = frozenClock(START_MS);
      const store = kind.make();
      const throttle = createLoginThrottle({ store, clock });
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      for (let i = 0; i < 5; i += 1) await throttle.recordLoginFailure(attempt);
      for (let i = 0; i < 200; i += 1) {
        expect(await refusal(throttle.assertLoginAllowed(attempt))).not.toBeNull();
        clock.advance(100);
      }
      // 20 s of hammering later, the original 30 s lock still ends on time …
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBe(10);
      clock.advance(10 * SECOND_MS);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBeNull();
      // … and the refused attempts were never counted.
      expect(await store.get(accountThrottleKey("user-1", "198.51.100.7"), clock())).toEqual({
        failures: 5,
        lockedUntilMs: 0,
      });
    });

    it("throttles an unknown name exactly like a known one", async () => {
      async function waitsFor(accountKey: string): Promise<(number | null)[]> {
        const clock = frozenClock(START_MS);
        const throttle = createLoginThrottle({ store: kind.make(), clock });
        const attempt = { accountKey, address: "198.51.100.7" };
        const waits: (number | null)[] = [];
        for (let i = 0; i < 8; i += 1) {
          await throttle.recordLoginFailure(attempt);
          const wait = await refusal(throttle.assertLoginAllowed(attempt));
          waits.push(wait);
          clock.advance((wait ?? 0) * SECOND_MS);
        }
        return waits;
      }
      const known = await waitsFor("7f9c1f1e-5b7a-4c1e-9d38-0d5c2f3a9b11");
      const unknown = await waitsFor("unknown:nosuchuser");
      expect(unknown).toEqual(known);
      expect(known).toEqual([null, null, null, null, 30, 60, 120, 240]);
    });

    it("never locks an account for good: after the longest wait the right password gets through", async () => {
      const clock = frozenClock(START_MS);
      const throttle = createLoginThrottle({ store: kind.make(), clock });
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      // From one network: the fast lock is per account and address (issue 14 item 2).
      for (let i = 0; i < 40; i += 1) await throttle.recordLoginFailure(attempt);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBe(900);
      clock.advance(DEFAULT_ACCOUNT_POLICY.maxDelayMs);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBeNull();
      await throttle.recordLoginSuccess(attempt);
      for (let i = 0; i < 4; i += 1) await throttle.recordLoginFailure(attempt);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBeNull();
    });

    it("counts every address of one IPv6 /64 as one client", async () => {
      const clock = frozenClock(START_MS);
      const throttle = createLoginThrottle({
        store: kind.make(),
        clock,
        addressPolicy: { kind: "window", maxFailures: 10, windowMs: 15 * MINUTE_MS },
      });
      // An attacker rotating through the interface identifiers of its /64, and names.
      for (let i = 0; i < 10; i += 1) {
        const address = `2001:db8:aa:bb:${(i * 4099).toString(16)}:${i}::${i + 1}`;
        await throttle.recordLoginFailure({ accountKey: `unknown:n${i}`, address });
      }
      const sameNetwork = [
        "2001:db8:aa:bb::ffff",
        "2001:0DB8:00AA:00BB:0:0:0:1",
        "[2001:db8:aa:bb::2%eth0]",
      ];
      for (const address of sameNetwork) {
        expect(await refusal(throttle.assertLoginAllowed({ accountKey: "x", address }))).toBe(900);
      }
      const neighbour = { accountKey: "x", address: "2001:db8:aa:bc::1" };
      expect(await refusal(throttle.assertLoginAllowed(neighbour))).toBeNull();
    });

    it("counts an IPv4-mapped IPv6 address as the IPv4 address", async () => {
      const clock = frozenClock(START_MS);
      const throttle = createLoginThrottle({
        store: kind.make(),
        clock,
        addressPolicy: { kind: "window", maxFailures: 4, windowMs: 15 * MINUTE_MS },
      });
      const forms = [
        "192.0.2.33",
        "::ffff:192.0.2.33",
        "::FFFF:c000:221",
        "0:0:0:0:0:ffff:192.0.2.33",
      ];
      for (const [i, address] of forms.entries()) {
        await throttle.recordLoginFailure({ accountKey: `unknown:n${i}`, address });
      }
      for (const address of forms) {
        expect(await refusal(throttle.assertLoginAllowed({ accountKey: "x", address }))).toBe(900);
      }
      expect(
        await refusal(throttle.assertLoginAllowed({ accountKey: "x", address: "192.0.2.34" })),
      ).toBeNull();
    });

    it("shares counters between two instances (catalog MI-01)", async () => {
      const clock = frozenClock(START_MS);
      const [storeA, storeB] = await kind.makeShared();
      const instanceA = createLoginThrottle({ store: storeA, clock });
      const instanceB = createLoginThrottle({ store: storeB, clock });
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      for (let i = 0; i < 3; i += 1) await instanceA.recordLoginFailure(attempt);
      for (let i = 0; i < 2; i += 1) await instanceB.recordLoginFailure(attempt);
      expect(await refusal(instanceA.assertLoginAllowed(attempt))).toBe(30);
      expect(await refusal(instanceB.assertLoginAllowed(attempt))).toBe(30);
      // A success on one instance is seen by the other.
      await instanceB.recordLoginSuccess(attempt);
      expect(await refusal(instanceA.assertLoginAllowed(attempt))).toBeNull();
      // Wrong TOTP codes spread over both instances add up too (catalog LG-11).
      for (let i = 0; i < 5; i += 1) {
        await (i % 2 === 0 ? instanceA : instanceB).recordTotpFailure("user-1");
      }
      expect(await refusal(instanceB.assertTotpAllowed("user-1"))).toBe(30);
    });

    it("counts 50 concurrent failures on one key as exactly 50", async () => {
      const [storeA, storeB] = await kind.makeShared();
      const nowMs = START_MS;
      const records = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? storeA : storeB).recordFailure(
            "account:race",
            DEFAULT_ACCOUNT_POLICY,
            nowMs,
          ),
        ),
      );
      // Each call saw a distinct count: no increment was lost or duplicated.
      expect(records.map((r) => r.failures).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      expect((await storeA.get("account:race", nowMs))?.failures).toBe(50);
      const window = await Promise.all(
        Array.from({ length: 50 }, () =>
          storeB.recordFailure("address:race", DEFAULT_ADDRESS_POLICY, nowMs),
        ),
      );
      expect(Math.max(...window.map((r) => r.failures))).toBe(50);
      expect((await storeA.get("address:race", nowMs))?.failures).toBe(50);
    });

    it("counts 50 concurrent failed logins through the throttle as exactly 50", async () => {
      const clock = frozenClock(START_MS);
      const store = kind.make();
      const throttle = createLoginThrottle({ store, clock });
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      await Promise.all(Array.from({ length: 50 }, () => throttle.recordLoginFailure(attempt)));
      expect(
        (await store.get(accountThrottleKey("user-1", "198.51.100.7"), clock()))?.failures,
      ).toBe(50);
      expect((await store.get("address:198.51.100.7", clock()))?.failures).toBe(50);
    });
  });
}

describe("memory store under a flood of distinct keys", () => {
  it("stays bounded at maxKeys over 100 000 distinct keys, evicting the oldest first", async () => {
    const store = createMemoryRateLimitStore({ maxKeys: 10_000 });
    const policy = DEFAULT_ADDRESS_POLICY;
    for (let i = 0; i < 100_000; i += 1) {
      await store.recordFailure(`address:flood-${i}`, policy, START_MS);
      expect(store.size).toBeLessThanOrEqual(10_000);
    }
    expect(store.size).toBe(10_000);
    expect(await store.get("address:flood-0", START_MS)).toBeNull();
    expect(await store.get("address:flood-89999", START_MS)).toBeNull();
    expect(await store.get("address:flood-90000", START_MS)).toEqual({
      failures: 1,
      lockedUntilMs: 0,
    });
  });

  it("keeps a key that is still being written while older idle keys are evicted", async () => {
    const store = createMemoryRateLimitStore({ maxKeys: 100 });
    await store.recordFailure("account:victim", DEFAULT_ACCOUNT_POLICY, START_MS);
    for (let i = 0; i < 1_000; i += 1) {
      await store.recordFailure(`address:flood-${i}`, DEFAULT_ADDRESS_POLICY, START_MS);
      if (i % 50 === 0) {
        await store.recordFailure("account:victim", DEFAULT_ACCOUNT_POLICY, START_MS);
      }
    }
    expect((await store.get("account:victim", START_MS))?.failures).toBe(21);
  });

  it("sweeps expired records as time passes", async () => {
    const store = createMemoryRateLimitStore({ sweepIntervalMs: MINUTE_MS });
    for (let i = 0; i < 5_000; i += 1) {
      await store.recordFailure(`address:old-${i}`, DEFAULT_ADDRESS_POLICY, START_MS);
    }
    expect(store.size).toBe(5_000);
    const later = START_MS + DEFAULT_ADDRESS_POLICY.windowMs;
    await store.recordFailure("address:new", DEFAULT_ADDRESS_POLICY, later);
    expect(store.size).toBe(1);
  });

  it("refuses a cap that is not a positive integer", () => {
    expect(() => createMemoryRateLimitStore({ maxKeys: 0 })).toThrow(TypeError);
    expect(() => createMemoryRateLimitStore({ sweepIntervalMs: Number.NaN })).toThrow(TypeError);
  });
});

describe("an unreachable Redis (catalog MI-02)", () => {
  it("fails closed with service_unavailable instead of skipping the limit", async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const redis = createRedisClient("redis://127.0.0.1:1", {
      connectTimeoutMs: 500,
      commandTimeoutMs: 300,
    });
    try {
      const throttle = createLoginThrottle({
        store: createRedisRateLimitStore(redis, { keyPrefix: "unreachable:" }),
        clock: frozenClock(START_MS),
      });
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      for (const operation of [
        throttle.assertLoginAllowed(attempt),
        throttle.recordLoginFailure(attempt),
        throttle.recordLoginSuccess(attempt),
        throttle.assertTotpAllowed("user-1"),
        throttle.recordTotpFailure("user-1"),
      ]) {
        const error = await operation.then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(InternalError);
        expect(error).toMatchObject({ code: "service_unavailable" });
      }
    } finally {
      await closeRedisClient(redis);
    }
  });
});
