/**
 * The preamble of the login-throttle tests: a start time, a throttle over a fresh store of one
 * kind (`rate-limit-stores.ts`) with a frozen clock, and the wait a refusal gives.
 */
import { frozenClock, type FrozenClock } from "../../src/core/clock.js";
import { TooManyRequestsError } from "../../src/core/errors.js";
import {
  createLoginThrottle,
  type LoginThrottle,
  type LoginThrottleOptions,
} from "../../src/services/abuse/rate-limit/index.js";
import type { RateLimitStore } from "../../src/store/rate-limit/index.js";
import type { StoreKind } from "./rate-limit-stores.js";

/** When the throttle tests' clocks start. */
export const THROTTLE_START_MS = Date.UTC(2030, 0, 1);
export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;

/** A throttle, its frozen clock (at `THROTTLE_START_MS`) and the store it counts in. */
export interface TestThrottle {
  throttle: LoginThrottle;
  clock: FrozenClock;
  store: RateLimitStore;
}

/**
 * A throttle over a fresh store of `kind` (or `options.store`) with a frozen clock; the
 * policies are the defaults unless `options` names others.
 */
export function throttleOver(
  kind: StoreKind,
  options: Omit<LoginThrottleOptions, "store" | "clock"> & { store?: RateLimitStore } = {},
): TestThrottle {
  const clock = frozenClock(THROTTLE_START_MS);
  const store = options.store ?? kind.make();
  return { throttle: createLoginThrottle({ ...options, store, clock }), clock, store };
}

/** The retry-after (seconds) an assertion refuses with, or null when it allows. */
export async function refusal(assertion: Promise<unknown>): Promise<number | null> {
  try {
    await assertion;
    return null;
  } catch (error) {
    if (!(error instanceof TooManyRequestsError)) throw error;
    return error.retryAfterSeconds;
  }
}
