/**
 * Waiting for something asynchronous in a test (a channel message, a reconnection, a mail):
 * Vitest's `vi.waitUntil`, which polls `check` on real timers, fails at once when `check` throws
 * and fails after `giveUpMs`. The give-up time is a failure, never a measurement: the machine
 * is shared, so it is generous; the time it took is returned for the tests that print it.
 */
import { vi } from "vitest";

/** How long `waitFor` waits by default before it fails. */
export const DEFAULT_GIVE_UP_MS = 10_000;

export interface WaitOptions {
  /** Fail after this long. Default `DEFAULT_GIVE_UP_MS`. */
  giveUpMs?: number;
  /** Check this often. Default 5 ms. */
  pollMs?: number;
}

/** Polls `check` until it is true; the milliseconds that took. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  { giveUpMs = DEFAULT_GIVE_UP_MS, pollMs = 5 }: WaitOptions = {},
): Promise<number> {
  const start = performance.now();
  await vi.waitUntil(check, { timeout: giveUpMs, interval: pollMs });
  return performance.now() - start;
}
