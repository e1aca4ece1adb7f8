/**
 * Time is injected everywhere it is read (STYLE principle 9): TOTP windows, token expiry,
 * challenges and lockouts take a `Clock`, and tests freeze it.
 */

/** Milliseconds in a second. */
export const SECOND_MS = 1_000;
/** Milliseconds in a minute. */
export const MINUTE_MS = 60 * SECOND_MS;
/** Milliseconds in an hour. */
export const HOUR_MS = 60 * MINUTE_MS;
/** Milliseconds in a day (epoch time counts every day as 86 400 s: no leap seconds). */
export const DAY_MS = 24 * HOUR_MS;

/** Returns the current time in milliseconds since the Unix epoch. */
export type Clock = () => number;

/** The real clock. */
export const systemClock: Clock = () => Date.now();

/** A clock frozen at `ms` that tests can move with `advance` and `set`. */
export interface FrozenClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

/** Makes a clock for tests, frozen at `startMs` (default: now). */
export function frozenClock(startMs: number = Date.now()): FrozenClock {
  let nowMs = startMs;
  const clock = (() => nowMs) as FrozenClock;
  clock.advance = (ms) => {
    nowMs += ms;
  };
  clock.set = (ms) => {
    nowMs = ms;
  };
  return clock;
}
