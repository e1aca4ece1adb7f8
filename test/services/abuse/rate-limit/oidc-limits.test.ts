/**
 * The OpenID provider's limits over every rate-limit store (memory, Redis, SQLite and
 * PostgreSQL tables): exact counts under 100 parallel reservations on two instances, the
 * per-client, per-network and per-session keys kept apart, a right user code given back, the
 * window's end as the wait, and a store outage failing closed.
 */
import { describe, expect, it } from "vitest";
import { InternalError, TooManyRequestsError } from "../../../../src/core/errors.js";
import { frozenClock } from "../../../../src/core/clock.js";
import {
  createOidcLimits,
  type OidcLimits,
} from "../../../../src/services/abuse/rate-limit/index.js";
import type { RateLimitStore } from "../../../../src/store/rate-limit/index.js";
import { useStoreHarness } from "../../../helpers/rate-limit-stores.js";
import { THROTTLE_START_MS, refusal } from "../../../helpers/throttle.js";

const harness = await useStoreHarness("oidc-limits");

function limitsOver(store: RateLimitStore, clock = frozenClock(THROTTLE_START_MS)): OidcLimits {
  return createOidcLimits({
    store,
    clock,
    clientRequestsPerMinute: 10,
    unknownClientRequestsPerMinute: 3,
  });
}

for (const kind of harness.kinds) {
  describe.skipIf(kind.skipReason !== null)(
    `the provider's limits on the ${kind.name} store`,
    () => {
      it("lets exactly 10 of 100 parallel requests of one client and network through two instances", async () => {
        const [a, b] = await kind.makeShared();
        const [first, second] = [limitsOver(a), limitsOver(b)];
        const results = await Promise.allSettled(
          Array.from({ length: 100 }, (_, i) =>
            (i % 2 === 0 ? first : second).reserveClientRequest({
              clientId: "app",
              address: "192.0.2.1",
            }),
          ),
        );
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
        const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        expect(refused.reason).toBeInstanceOf(TooManyRequestsError);
        expect((refused.reason as TooManyRequestsError).retryAfterSeconds).toBe(60);
      });

      it("keeps clients, networks and unknown clients apart", async () => {
        const limits = limitsOver(kind.make());
        for (let i = 0; i < 10; i += 1) {
          await limits.reserveClientRequest({ clientId: "app", address: "192.0.2.1" });
        }
        expect(
          await refusal(limits.reserveClientRequest({ clientId: "app", address: "192.0.2.1" })),
        ).toBe(60);
        // Another network and another client are not held back.
        expect(
          await refusal(limits.reserveClientRequest({ clientId: "app", address: "198.51.100.1" })),
        ).toBeNull();
        expect(
          await refusal(limits.reserveClientRequest({ clientId: "other", address: "192.0.2.1" })),
        ).toBeNull();
        for (let i = 0; i < 3; i += 1) {
          await limits.reserveClientRequest({ clientId: null, address: "2001:db8::1" });
        }
        expect(
          await refusal(limits.reserveClientRequest({ clientId: null, address: "2001:db8::ffff" })),
        ).toBe(60);
      });

      it("counts only wrong user codes, per network and per session", async () => {
        const limits = limitsOver(kind.make());
        // Right codes are given back: 50 of them count nothing.
        for (let i = 0; i < 50; i += 1) {
          await limits.releaseUserCode(
            await limits.reserveUserCode({ address: "192.0.2.9", sessionId: "s1" }),
          );
        }
        for (let i = 0; i < 10; i += 1) {
          await limits.reserveUserCode({ address: `203.0.113.${i}`, sessionId: "s1" });
        }
        // The session's 10 are spent, from any network; another session on those networks goes on.
        expect(
          await refusal(limits.reserveUserCode({ address: "192.0.2.9", sessionId: "s1" })),
        ).toBe(15 * 60);
        expect(
          await refusal(limits.reserveUserCode({ address: "203.0.113.1", sessionId: "s2" })),
        ).toBeNull();
        // Without a session only the network counts: 30 per 15 minutes.
        const results = await Promise.allSettled(
          Array.from({ length: 100 }, () =>
            limits.reserveUserCode({ address: "192.0.2.77", sessionId: null }),
          ),
        );
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(30);
      });

      it("writes 30 refusals of a client and network to the audit trail in 15 minutes", async () => {
        const limits = limitsOver(kind.make());
        const allowed = await Promise.all(
          Array.from({ length: 40 }, () =>
            limits.reserveRefusalAudit({ clientId: "app", address: "192.0.2.8" }),
          ),
        );
        expect(allowed.filter(Boolean)).toHaveLength(30);
        expect(await limits.reserveRefusalAudit({ clientId: "app", address: "192.0.2.99" })).toBe(
          true,
        );
      });

      it("counts 10 registrations an hour per network", async () => {
        const limits = limitsOver(kind.make());
        for (let i = 0; i < 10; i += 1) await limits.reserveRegistration("192.0.2.5");
        expect(await refusal(limits.reserveRegistration("192.0.2.5"))).toBe(3600);
        expect(await refusal(limits.reserveRegistration("192.0.2.6"))).toBeNull();
      });
    },
  );
}

describe("the provider's limits when the store fails", () => {
  it("refuses with service_unavailable, never skipping the limit", async () => {
    const broken: RateLimitStore = {
      reserve: () => Promise.reject(new Error("down")),
      release: () => Promise.reject(new Error("down")),
      recordFailure: () => Promise.reject(new Error("down")),
      get: () => Promise.reject(new Error("down")),
      reset: () => Promise.reject(new Error("down")),
    };
    const limits = limitsOver(broken);
    await expect(
      limits.reserveClientRequest({ clientId: "app", address: "192.0.2.1" }),
    ).rejects.toMatchObject({ code: "service_unavailable" });
    await expect(
      limits.reserveUserCode({ address: "192.0.2.1", sessionId: null }),
    ).rejects.toBeInstanceOf(InternalError);
    // After the answer there is nothing to refuse: the refusal is just not written.
    expect(await limits.reserveRefusalAudit({ clientId: "app", address: "192.0.2.1" })).toBe(false);
  });

  it("refuses a limit of zero at start-up", () => {
    expect(() =>
      createOidcLimits({
        store: {} as RateLimitStore,
        clock: frozenClock(THROTTLE_START_MS),
        clientRequestsPerMinute: 0,
        unknownClientRequestsPerMinute: 1,
      }),
    ).toThrow(TypeError);
  });
});
