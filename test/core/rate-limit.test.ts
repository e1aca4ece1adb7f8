import { describe, expect, it } from "vitest";
import {
  assertValidPolicy,
  planReservation,
  progressiveDelayMs,
  type ProgressivePolicy,
  type WindowPolicy,
} from "../../src/core/rate-limit.js";
import { useStoreHarness } from "../helpers/rate-limit-stores.js";

const harness = await useStoreHarness("store");

const NOW_MS = Date.UTC(2030, 0, 1);
const PROGRESSIVE: ProgressivePolicy = {
  kind: "progressive",
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  retentionMs: 60_000,
};
const WINDOW: WindowPolicy = { kind: "window", maxFailures: 3, windowMs: 5_000 };

describe("progressiveDelayMs", () => {
  it("is 0 before freeFailures, then doubles from baseDelayMs up to maxDelayMs", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((f) => progressiveDelayMs(f, PROGRESSIVE))).toEqual([
      0, 0, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });

  it("stays at the cap for failure counts far beyond floating-point range", () => {
    expect(progressiveDelayMs(5_000, PROGRESSIVE)).toBe(10_000);
    expect(progressiveDelayMs(Number.MAX_SAFE_INTEGER, PROGRESSIVE)).toBe(10_000);
  });
});

describe("assertValidPolicy", () => {
  it("accepts whole positive milliseconds and counts", () => {
    expect(() => assertValidPolicy(PROGRESSIVE)).not.toThrow();
    expect(() => assertValidPolicy(WINDOW)).not.toThrow();
  });

  it.each([
    [{ ...PROGRESSIVE, freeFailures: 0 }, /freeFailures/],
    [{ ...PROGRESSIVE, baseDelayMs: -1 }, /baseDelayMs/],
    [{ ...PROGRESSIVE, baseDelayMs: 1.5 }, /baseDelayMs/],
    [{ ...PROGRESSIVE, maxDelayMs: 999 }, /maxDelayMs/],
    [{ ...PROGRESSIVE, retentionMs: Number.POSITIVE_INFINITY }, /retentionMs/],
    [{ ...WINDOW, maxFailures: 0 }, /maxFailures/],
    [{ ...WINDOW, windowMs: Number.NaN }, /windowMs/],
    [{ ...WINDOW, windowMs: "900000" }, /windowMs/],
  ])("refuses %j with a TypeError naming the field", (policy, field) => {
    expect(() => assertValidPolicy(policy as never)).toThrow(TypeError);
    expect(() => assertValidPolicy(policy as never)).toThrow(field);
  });
});

describe("planReservation", () => {
  it("reads each key once and counts a key named twice twice", () => {
    const reads: string[] = [];
    const plan = planReservation(
      [
        { key: "a", policy: WINDOW },
        { key: "b", policy: PROGRESSIVE },
        { key: "a", policy: WINDOW },
      ],
      (key) => {
        reads.push(key);
        return null;
      },
      NOW_MS,
    );
    expect(reads).toEqual(["a", "b"]);
    expect(plan).toEqual({
      allowed: true,
      writes: [
        ["a", { failures: 1, lockedUntilMs: 0, expiresAtMs: NOW_MS + 5_000 }],
        ["b", { failures: 1, lockedUntilMs: 0, expiresAtMs: NOW_MS + 60_000 }],
        ["a", { failures: 2, lockedUntilMs: 0, expiresAtMs: NOW_MS + 5_000 }],
      ],
    });
  });

  it("writes nothing and answers the latest lock end when any key is locked", () => {
    const stored = {
      a: { failures: 3, lockedUntilMs: NOW_MS + 2_000, expiresAtMs: NOW_MS + 2_000 },
      b: { failures: 9, lockedUntilMs: NOW_MS + 7_000, expiresAtMs: NOW_MS + 60_000 },
      c: { failures: 1, lockedUntilMs: 0, expiresAtMs: NOW_MS + 60_000 },
    } as const;
    const read = (key: string) => stored[key as keyof typeof stored];
    const entries = ["c", "a", "b"].map((key) => ({ key, policy: WINDOW }));
    expect(planReservation(entries, read, NOW_MS)).toEqual({
      allowed: false,
      lockedUntilMs: NOW_MS + 7_000,
    });
    // Once both locks are over, the same entries are counted.
    expect(planReservation(entries, read, NOW_MS + 7_000)).toMatchObject({ allowed: true });
  });
});

for (const kind of harness.kinds) {
  describe.skipIf(kind.skipReason !== null)(`the ${kind.name} rate-limit store`, () => {
    it("has no record for a key never counted", async () => {
      expect(await kind.make().get("account:nobody", NOW_MS)).toBeNull();
    });

    it("counts failures and locks from the freeFailures-th one, doubling the wait", async () => {
      const store = kind.make();
      const results = [];
      for (let i = 0; i < 5; i += 1) {
        results.push(await store.recordFailure("account:a", PROGRESSIVE, NOW_MS));
      }
      expect(results).toEqual([
        { failures: 1, lockedUntilMs: 0 },
        { failures: 2, lockedUntilMs: 0 },
        { failures: 3, lockedUntilMs: NOW_MS + 1_000 },
        { failures: 4, lockedUntilMs: NOW_MS + 2_000 },
        { failures: 5, lockedUntilMs: NOW_MS + 4_000 },
      ]);
      expect(await store.get("account:a", NOW_MS)).toEqual({
        failures: 5,
        lockedUntilMs: NOW_MS + 4_000,
      });
    });

    it("reports a lock that has ended as 0 but keeps the count", async () => {
      const store = kind.make();
      for (let i = 0; i < 3; i += 1) await store.recordFailure("account:a", PROGRESSIVE, NOW_MS);
      expect(await store.get("account:a", NOW_MS + 999)).toEqual({
        failures: 3,
        lockedUntilMs: NOW_MS + 1_000,
      });
      expect(await store.get("account:a", NOW_MS + 1_000)).toEqual({
        failures: 3,
        lockedUntilMs: 0,
      });
      expect(await store.recordFailure("account:a", PROGRESSIVE, NOW_MS + 1_000)).toEqual({
        failures: 4,
        lockedUntilMs: NOW_MS + 3_000,
      });
    });

    it("forgets a progressive record retentionMs after the last failure", async () => {
      const store = kind.make();
      await store.recordFailure("account:a", PROGRESSIVE, NOW_MS);
      await store.recordFailure("account:a", PROGRESSIVE, NOW_MS + 30_000);
      expect(await store.get("account:a", NOW_MS + 89_999)).toEqual({
        failures: 2,
        lockedUntilMs: 0,
      });
      expect(await store.get("account:a", NOW_MS + 90_000)).toBeNull();
      expect(await store.recordFailure("account:a", PROGRESSIVE, NOW_MS + 90_000)).toEqual({
        failures: 1,
        lockedUntilMs: 0,
      });
    });

    it("keeps a progressive record at least until its lock ends, even with a short retention", async () => {
      const store = kind.make();
      const policy = { ...PROGRESSIVE, freeFailures: 1, retentionMs: 10 };
      expect(await store.recordFailure("account:a", policy, NOW_MS)).toEqual({
        failures: 1,
        lockedUntilMs: NOW_MS + 1_000,
      });
      expect(await store.get("account:a", NOW_MS + 500)).toEqual({
        failures: 1,
        lockedUntilMs: NOW_MS + 1_000,
      });
      expect(await store.get("account:a", NOW_MS + 1_000)).toBeNull();
    });

    it("locks a window key at maxFailures until the window that began at the first failure ends", async () => {
      const store = kind.make();
      expect(await store.recordFailure("address:a", WINDOW, NOW_MS)).toEqual({
        failures: 1,
        lockedUntilMs: 0,
      });
      expect(await store.recordFailure("address:a", WINDOW, NOW_MS + 1_000)).toEqual({
        failures: 2,
        lockedUntilMs: 0,
      });
      expect(await store.recordFailure("address:a", WINDOW, NOW_MS + 2_000)).toEqual({
        failures: 3,
        lockedUntilMs: NOW_MS + 5_000,
      });
      // Later failures in the same window do not move its end.
      expect(await store.recordFailure("address:a", WINDOW, NOW_MS + 4_000)).toEqual({
        failures: 4,
        lockedUntilMs: NOW_MS + 5_000,
      });
      expect(await store.get("address:a", NOW_MS + 5_000)).toBeNull();
      expect(await store.recordFailure("address:a", WINDOW, NOW_MS + 5_000)).toEqual({
        failures: 1,
        lockedUntilMs: 0,
      });
    });

    it("forgets a key on reset and leaves other keys alone", async () => {
      const store = kind.make();
      await store.recordFailure("account:a", PROGRESSIVE, NOW_MS);
      await store.recordFailure("account:b", PROGRESSIVE, NOW_MS);
      await store.reset("account:a");
      await store.reset("account:never-counted");
      expect(await store.get("account:a", NOW_MS)).toBeNull();
      expect(await store.get("account:b", NOW_MS)).toEqual({ failures: 1, lockedUntilMs: 0 });
    });

    it("treats keys as opaque strings, including separators and non-ASCII text", async () => {
      const store = kind.make();
      const keys = ["account:unknown:ängel", "account:a b*c?[d]", "account:" + "x".repeat(2_000)];
      for (const key of keys) await store.recordFailure(key, PROGRESSIVE, NOW_MS);
      for (const key of keys) {
        expect(await store.get(key, NOW_MS)).toEqual({ failures: 1, lockedUntilMs: 0 });
      }
      expect(await store.get("account:unknown:angel", NOW_MS)).toBeNull();
    });
  });
}
