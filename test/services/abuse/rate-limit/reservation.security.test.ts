/**
 * Issue 14 item 1 at the store level: `reserve` counts an attempt before it is checked, as one
 * atomic step, on the memory store and on Redis (two connections = two instances).
 */
import { afterAll, describe, expect, it } from "vitest";
import { frozenClock } from "../../../../src/core/clock.js";
import { TooManyRequestsError } from "../../../../src/core/errors.js";
import {
  DEFAULT_ACCOUNT_POLICY,
  accountThrottleKey,
  createLoginThrottle,
  type FailurePolicy,
} from "../../../../src/services/abuse/rate-limit/index.js";
import { createStoreHarness } from "../../../helpers/rate-limit-stores.js";

const harness = await createStoreHarness("reservation");
afterAll(() => harness.cleanup());

const NOW_MS = Date.UTC(2030, 0, 1);
const WINDOW: FailurePolicy = { kind: "window", maxFailures: 20, windowMs: 60_000 };

for (const kind of harness.kinds) {
  describe.skipIf(kind.skipReason !== null)(`reservations on the ${kind.name} store`, () => {
    it("allows exactly the policy's number of 100 parallel reservations across two instances", async () => {
      const [a, b] = await kind.makeShared();
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 === 0 ? a : b).reserve(
            [
              { key: "account:r", policy: DEFAULT_ACCOUNT_POLICY },
              { key: "address:r", policy: WINDOW },
            ],
            NOW_MS,
          ),
        ),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(5);
      const refused = results.find((r) => !r.allowed);
      expect(refused).toEqual({ allowed: false, lockedUntilMs: NOW_MS + 30_000 });
      // A refused reservation counts nothing, on any of its keys.
      expect(await a.get("address:r", NOW_MS)).toEqual({ failures: 5, lockedUntilMs: 0 });
    });

    it("refuses on the window's last failure and lifts that lock when the attempt is given back", async () => {
      const store = kind.make();
      for (let i = 0; i < 19; i++) {
        expect(await store.reserve([{ key: "w", policy: WINDOW }], NOW_MS)).toEqual({
          allowed: true,
        });
      }
      expect((await store.reserve([{ key: "w", policy: WINDOW }], NOW_MS)).allowed).toBe(true);
      expect((await store.reserve([{ key: "w", policy: WINDOW }], NOW_MS)).allowed).toBe(false);
      await store.release("w", WINDOW, NOW_MS);
      expect(await store.get("w", NOW_MS)).toEqual({ failures: 19, lockedUntilMs: 0 });
      await store.release("missing", WINDOW, NOW_MS);
      expect(await store.get("missing", NOW_MS)).toBeNull();
    });

    it("gives a right password's attempt back and forgets the network's fast lock", async () => {
      const clock = frozenClock(NOW_MS);
      const store = kind.make();
      const throttle = createLoginThrottle({ store, clock });
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      for (let i = 0; i < 4; i++) await throttle.reserveLoginAttempt(attempt);
      const fifth = await throttle.reserveLoginAttempt(attempt);
      await expect(throttle.reserveLoginAttempt(attempt)).rejects.toBeInstanceOf(
        TooManyRequestsError,
      );
      await throttle.releaseLoginAttempt(fifth);
      expect(await store.get(accountThrottleKey("user-1", attempt.address), clock())).toEqual({
        failures: 4,
        lockedUntilMs: 0,
      });
      await throttle.recordLoginSuccess(attempt);
      expect(await store.get(accountThrottleKey("user-1", attempt.address), clock())).toBeNull();
      // The address keeps the four failures that were not given back.
      expect((await store.get("address:198.51.100.7", clock()))?.failures).toBe(4);
    });
  });
}
