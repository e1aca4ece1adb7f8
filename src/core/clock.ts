/**
 * Time is injected everywhere it is read (STYLE principle 9): TOTP windows, token expiry,
 * challenges and lockouts take a `Clock`, and tests freeze it.
 */

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
