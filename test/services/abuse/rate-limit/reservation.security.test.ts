/**
 * Issue 14 item 1 at the store level: `reserve` counts an attempt before it is checked, as one
 * atomic step, on the memory store and on Redis (two connections = two instances).
 */
import { describe, expect, it } from "vitest";
import { TooManyRequestsError } from "../../../../src/core/errors.js";
import {
  DEFAULT_ACCOUNT_POLICY,
  accountThrottleKey,
  type FailurePolicy,
} from "../../../../src/services/abuse/rate-limit/index.js";
import { useStoreHarness } from "../../../helpers/rate-limit-stores.js";
import { THROTTLE_START_MS, throttleOver } from "../../../helpers/throttle.js";

const harness = await useStoreHarness("reservation");
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
            THROTTLE_START_MS,
          ),
        ),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(5);
      const refused = results.find((r) => !r.allowed);
      expect(refused).toEqual({ allowed: false, lockedUntilMs: THROTTLE_START_MS + 30_000 });
      // A refused reservation counts nothing, on any of its keys.
      expect(await a.get("address:r", THROTTLE_START_MS)).toEqual({
        failures: 5,
        lockedUntilMs: 0,
      });
    });

    it("refuses on the window's last failure and lifts that lock when the attempt is given back", async () => {
      const store = kind.make();
      for (let i = 0; i < 19; i++) {
        expect(await store.reserve([{ key: "w", policy: WINDOW }], THROTTLE_START_MS)).toEqual({
          allowed: true,
        });
      }
      expect((await store.reserve([{ key: "w", policy: WINDOW }], THROTTLE_START_MS)).allowed).toBe(
        true,
      );
      expect((await store.reserve([{ key: "w", policy: WINDOW }], THROTTLE_START_MS)).allowed).toBe(
        false,
      );
      await store.release("w", WINDOW, THROTTLE_START_MS);
      expect(await store.get("w", THROTTLE_START_MS)).toEqual({ failures: 19, lockedUntilMs: 0 });
      await store.release("missing", WINDOW, THROTTLE_START_MS);
      expect(await store.get("missing", THROTTLE_START_MS)).toBeNull();
    });

    it("gives a right password's attempt back and forgets the network's fast lock", async () => {
      const { throttle, clock, store } = throttleOver(kind);
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
