import { afterAll, describe, expect, it } from "vitest";
import { frozenClock } from "../../../../src/core/clock.js";
import { TooManyRequestsError } from "../../../../src/core/errors.js";
import {
  DEFAULT_ACCOUNT_POLICY,
  DEFAULT_ADDRESS_POLICY,
  DEFAULT_TOTP_POLICY,
  TOO_MANY_ATTEMPTS_DETAIL,
  createLoginThrottle,
  type LoginThrottle,
} from "../../../../src/services/abuse/rate-limit/index.js";
import { createMemoryRateLimitStore } from "../../../../src/store/rate-limit/index.js";
import { createStoreHarness } from "../../../helpers/rate-limit-stores.js";

const harness = await createStoreHarness("login-throttle");
afterAll(() => harness.cleanup());

const START_MS = Date.UTC(2030, 0, 1);
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;

/** The retry-after an assertion refuses with, or null when it allows. */
async function refusal(assertion: Promise<void>): Promise<number | null> {
  try {
    await assertion;
    return null;
  } catch (error) {
    if (!(error instanceof TooManyRequestsError)) throw error;
    return error.retryAfterSeconds;
  }
}

describe("default policies", () => {
  it("follow the issue: 5 free failures, 30 s doubling up to 15 min; 100 per 15 min per address", () => {
    expect(DEFAULT_ACCOUNT_POLICY).toEqual({
      kind: "progressive",
      freeFailures: 5,
      baseDelayMs: 30_000,
      maxDelayMs: 900_000,
      retentionMs: 86_400_000,
    });
    expect(DEFAULT_ADDRESS_POLICY).toEqual({ kind: "window", maxFailures: 100, windowMs: 900_000 });
    expect(DEFAULT_TOTP_POLICY).toMatchObject({ freeFailures: 5, baseDelayMs: 30_000 });
    expect(Object.isFrozen(DEFAULT_ACCOUNT_POLICY)).toBe(true);
  });

  it("refuses an invalid policy when the throttle is created", () => {
    const store = createMemoryRateLimitStore();
    expect(() =>
      createLoginThrottle({ store, accountPolicy: { ...DEFAULT_ACCOUNT_POLICY, freeFailures: 0 } }),
    ).toThrow(/accountPolicy\.freeFailures/);
    expect(() =>
      createLoginThrottle({
        store,
        accountPolicy: { ...DEFAULT_ACCOUNT_POLICY, maxDelayMs: 1 },
      }),
    ).toThrow(/accountPolicy\.maxDelayMs/);
    expect(() =>
      createLoginThrottle({
        store,
        addressPolicy: { kind: "window", maxFailures: 5, windowMs: 0.5 },
      }),
    ).toThrow(/addressPolicy\.windowMs/);
    expect(() => createLoginThrottle({ store, totpPolicy: { kind: "bogus" } as never })).toThrow(
      /totpPolicy\.kind/,
    );
  });
});

for (const kind of harness.kinds) {
  describe.skipIf(kind.skipReason !== null)(`login throttle over the ${kind.name} store`, () => {
    function setUp(): { throttle: LoginThrottle; clock: ReturnType<typeof frozenClock> } {
      const clock = frozenClock(START_MS);
      return { throttle: createLoginThrottle({ store: kind.make(), clock }), clock };
    }

    it("waits 30 s after the 5th failure, then 60 s, 120 s … capped at 900 s", async () => {
      const { throttle, clock } = setUp();
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      const waits: number[] = [];
      for (let failure = 1; failure <= 11; failure += 1) {
        expect(await refusal(throttle.assertLoginAllowed(attempt))).toBeNull();
        await throttle.recordLoginFailure(attempt);
        const wait = await refusal(throttle.assertLoginAllowed(attempt));
        if (failure < 5) expect(wait).toBeNull();
        else {
          waits.push(wait ?? 0);
          clock.advance((wait ?? 0) * SECOND_MS);
        }
      }
      expect(waits).toEqual([30, 60, 120, 240, 480, 900, 900]);
    });

    it("allows the attempt exactly when the wait is over, not a millisecond before", async () => {
      const { throttle, clock } = setUp();
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      for (let i = 0; i < 5; i += 1) await throttle.recordLoginFailure(attempt);
      clock.advance(30 * SECOND_MS - 1);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBe(1);
      clock.advance(1);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBeNull();
    });

    it("rounds the Retry-After up to whole seconds", async () => {
      const { throttle, clock } = setUp();
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      for (let i = 0; i < 5; i += 1) await throttle.recordLoginFailure(attempt);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBe(30);
      clock.advance(1);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBe(30);
      clock.advance(999);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBe(29);
      clock.advance(500);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBe(29);
      clock.advance(27_999);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBe(1);
    });

    it("refuses with a 429 error that names neither the account nor the limit", async () => {
      const { throttle } = setUp();
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      for (let i = 0; i < 5; i += 1) await throttle.recordLoginFailure(attempt);
      const error = await throttle.assertLoginAllowed(attempt).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TooManyRequestsError);
      expect(error).toMatchObject({
        code: "too_many_requests",
        detail: TOO_MANY_ATTEMPTS_DETAIL,
        retryAfterSeconds: 30,
        extra: { retry_after_seconds: 30 },
      });
    });

    it("locks an address at its 100th failure until the window ends, not at its 99th", async () => {
      const { throttle, clock } = setUp();
      const address = "203.0.113.9";
      // A different name each time, as in credential stuffing: no account lock interferes.
      for (let i = 1; i <= 99; i += 1) {
        await throttle.recordLoginFailure({ accountKey: `unknown:name-${i}`, address });
        clock.advance(SECOND_MS);
      }
      const fresh = { accountKey: "user-fresh", address };
      expect(await refusal(throttle.assertLoginAllowed(fresh))).toBeNull();
      await throttle.recordLoginFailure({ accountKey: "unknown:name-100", address });
      // The window opened at the first failure, 99 s ago: 15 min − 99 s remain.
      expect(await refusal(throttle.assertLoginAllowed(fresh))).toBe(15 * 60 - 99);
      // Another address is not affected.
      expect(
        await refusal(
          throttle.assertLoginAllowed({ accountKey: "user-fresh", address: "203.0.113.10" }),
        ),
      ).toBeNull();
    });

    it("starts a fresh address window once the old one has ended", async () => {
      const { throttle, clock } = setUp();
      const address = "203.0.113.9";
      const fresh = { accountKey: "user-fresh", address };
      for (let i = 1; i <= 100; i += 1) {
        await throttle.recordLoginFailure({ accountKey: `unknown:name-${i}`, address });
      }
      expect(await refusal(throttle.assertLoginAllowed(fresh))).toBe(900);
      clock.advance(15 * MINUTE_MS);
      expect(await refusal(throttle.assertLoginAllowed(fresh))).toBeNull();
      // The count started afresh: 99 more failures do not lock.
      for (let i = 1; i <= 99; i += 1) {
        await throttle.recordLoginFailure({ accountKey: `unknown:again-${i}`, address });
      }
      expect(await refusal(throttle.assertLoginAllowed(fresh))).toBeNull();
    });

    it("forgets an address's failures when its window ends even without a lock", async () => {
      const { throttle, clock } = setUp();
      const address = "203.0.113.9";
      for (let i = 1; i <= 60; i += 1) {
        await throttle.recordLoginFailure({ accountKey: `unknown:a-${i}`, address });
      }
      clock.advance(15 * MINUTE_MS);
      for (let i = 1; i <= 60; i += 1) {
        await throttle.recordLoginFailure({ accountKey: `unknown:b-${i}`, address });
      }
      expect(await refusal(throttle.assertLoginAllowed({ accountKey: "x", address }))).toBeNull();
    });

    it("resets the account after a successful login but not the address", async () => {
      const clock = frozenClock(START_MS);
      const throttle = createLoginThrottle({
        store: kind.make(),
        clock,
        addressPolicy: { kind: "window", maxFailures: 6, windowMs: 15 * MINUTE_MS },
      });
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      for (let i = 0; i < 4; i += 1) await throttle.recordLoginFailure(attempt);
      await throttle.recordLoginSuccess(attempt);
      // The account starts again from zero: four more failures still leave it open …
      for (let i = 0; i < 4; i += 1) {
        expect(await refusal(throttle.assertLoginAllowed(attempt))).toBeNull();
        await throttle.recordLoginFailure({ accountKey: "user-1", address: "198.51.100.8" });
      }
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBeNull();
      // … while the address kept its 4 and locks at its 6th failure.
      await throttle.recordLoginFailure({ accountKey: "user-2", address: "198.51.100.7" });
      expect(
        await refusal(throttle.assertLoginAllowed({ accountKey: "u3", address: "198.51.100.7" })),
      ).toBeNull();
      await throttle.recordLoginFailure({ accountKey: "user-2", address: "198.51.100.7" });
      expect(
        await refusal(throttle.assertLoginAllowed({ accountKey: "u3", address: "198.51.100.7" })),
      ).toBe(900);
    });

    it("uses the longer wait when both the account and the address are locked", async () => {
      const clock = frozenClock(START_MS);
      const throttle = createLoginThrottle({
        store: kind.make(),
        clock,
        addressPolicy: { kind: "window", maxFailures: 7, windowMs: 10 * MINUTE_MS },
      });
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      for (let i = 0; i < 7; i += 1) await throttle.recordLoginFailure(attempt);
      // Account: 7 failures → 120 s. Address: locked for the 10 min window.
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBe(600);
      // The account's fast lock is per network (issue 14 item 2): another network is not locked.
      expect(
        await refusal(throttle.assertLoginAllowed({ accountKey: "user-1", address: "192.0.2.1" })),
      ).toBeNull();
      clock.advance(5 * MINUTE_MS);
      const longAccount = createLoginThrottle({
        store: kind.make(),
        clock,
        addressPolicy: { kind: "window", maxFailures: 9, windowMs: 60 * SECOND_MS },
      });
      for (let i = 0; i < 9; i += 1) await longAccount.recordLoginFailure(attempt);
      // Account: 9 failures → 480 s. Address: 60 s window.
      expect(await refusal(longAccount.assertLoginAllowed(attempt))).toBe(480);
    });

    it("throttles wrong TOTP codes per user and forgets them after a correct code", async () => {
      const { throttle, clock } = setUp();
      for (let i = 1; i <= 4; i += 1) await throttle.recordTotpFailure("user-1");
      expect(await refusal(throttle.assertTotpAllowed("user-1"))).toBeNull();
      await throttle.recordTotpFailure("user-1");
      expect(await refusal(throttle.assertTotpAllowed("user-1"))).toBe(30);
      expect(await refusal(throttle.assertTotpAllowed("user-2"))).toBeNull();
      // The TOTP counter is its own: the password login of the same user is not locked.
      const login = { accountKey: "user-1", address: "198.51.100.7" };
      expect(await refusal(throttle.assertLoginAllowed(login))).toBeNull();
      clock.advance(30 * SECOND_MS);
      await throttle.recordTotpFailure("user-1");
      expect(await refusal(throttle.assertTotpAllowed("user-1"))).toBe(60);
      clock.advance(60 * SECOND_MS);
      await throttle.recordTotpSuccess("user-1");
      for (let i = 1; i <= 4; i += 1) await throttle.recordTotpFailure("user-1");
      expect(await refusal(throttle.assertTotpAllowed("user-1"))).toBeNull();
    });

    it("keeps account, address and TOTP counters apart even for equal strings", async () => {
      const { throttle } = setUp();
      for (let i = 0; i < 5; i += 1) await throttle.recordTotpFailure("198.51.100.7");
      expect(
        await refusal(
          throttle.assertLoginAllowed({ accountKey: "198.51.100.7", address: "198.51.100.7" }),
        ),
      ).toBeNull();
    });

    it("forgets an account's failures 24 h after the last one", async () => {
      const { throttle, clock } = setUp();
      const attempt = { accountKey: "user-1", address: "198.51.100.7" };
      for (let i = 0; i < 4; i += 1) await throttle.recordLoginFailure(attempt);
      clock.advance(24 * 60 * MINUTE_MS - 1);
      await throttle.recordLoginFailure(attempt);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBe(30);
      clock.advance(24 * 60 * MINUTE_MS);
      await throttle.recordLoginFailure(attempt);
      expect(await refusal(throttle.assertLoginAllowed(attempt))).toBeNull();
    });
  });
}
