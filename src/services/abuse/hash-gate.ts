/**
 * Load shedding for password hashing (issue 14 item 3): in a storm of 500 concurrent logins
 * every Argon2 computation waited in one unbounded queue, and a real person's sign-in took 4.3 s.
 * The gate runs at most `concurrency` hashes at once (default: the core count, as Argon2 is
 * CPU-bound), queues at most `maxQueued` more per lane, and refuses the rest at once with 503
 * `service_unavailable` (Retry-After), so waiting is bounded and memory too. Sign-ins that
 * present a valid device cookie (`device-cookie.ts`) have their own lane, served first: a
 * browser that signed in before is not stuck behind an attack. Sign-ins that paid a proof of work
 * while the gate was under pressure (`proof-of-work.ts`, issue 20 item 5) have the `proven` lane,
 * served after the trusted one and before the rest.
 */
import { availableParallelism } from "node:os";
import { InternalError } from "../../core/errors.js";

/**
 * Which queue a hash waits in: `trusted` (device cookie) is always served first, then `proven`
 * (a solved proof-of-work challenge), then `default`.
 */
export type HashLane = "trusted" | "proven" | "default";

/** The order the lanes are served in. */
const LANES_SERVED: readonly HashLane[] = ["trusted", "proven", "default"];

/** Queued hashes per running one and lane: a wait of at most 8 hashes (~0.2 s at 25 ms each). */
export const DEFAULT_HASH_QUEUE_PER_SLOT = 8;

export interface HashGateOptions {
  /** Hashes at once. Default `availableParallelism()`. */
  concurrency?: number;
  /** Waiting hashes per lane. Default `concurrency * DEFAULT_HASH_QUEUE_PER_SLOT`. */
  maxQueued?: number;
}

/** The gate, with its state for tests and metrics. */
export interface HashGate {
  /**
   * Runs `task` when a slot is free. @throws InternalError `service_unavailable` at once when
   * the lane's queue is full; whatever `task` throws.
   */
  run<T>(lane: HashLane, task: () => Promise<T>): Promise<T>;
  /**
   * Sheds early: throws what `run` would throw if the lane is full now, so a sign-in that would
   * be shed costs no database write (no reservation to give back). `run` still checks.
   */
  assertRoom(lane: HashLane): void;
  readonly active: number;
  readonly queued: number;
  /** The bound of each lane's queue (`maxQueued`). */
  readonly maxQueued: number;
  /**
   * How full the gate is, from 0 (a slot is free) to 1 (every slot busy and `maxQueued` hashes
   * waiting): what the proof-of-work challenge reads to know it is under pressure.
   */
  readonly pressure: number;
}

/** @throws TypeError when a bound is not a positive integer. */
export function createHashGate(options: HashGateOptions = {}): HashGate {
  const concurrency = options.concurrency ?? Math.max(1, availableParallelism());
  const maxQueued = options.maxQueued ?? concurrency * DEFAULT_HASH_QUEUE_PER_SLOT;
  for (const [name, value] of [
    ["concurrency", concurrency],
    ["maxQueued", maxQueued],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`${name}: expected an integer >= 1`);
    }
  }
  const queues: Record<HashLane, Array<() => void>> = { trusted: [], proven: [], default: [] };
  let active = 0;

  const queued = () => queues.trusted.length + queues.proven.length + queues.default.length;

  function full(lane: HashLane): boolean {
    return active >= concurrency && queues[lane].length >= maxQueued;
  }

  function shed(): InternalError {
    return new InternalError("Too many sign-ins at once", { code: "service_unavailable" });
  }

  function next(): void {
    let start: (() => void) | undefined;
    for (const lane of LANES_SERVED) {
      start = queues[lane].shift();
      if (start !== undefined) break;
    }
    if (start === undefined) return;
    active += 1;
    start();
  }

  return {
    get active() {
      return active;
    },
    get queued() {
      return queued();
    },
    maxQueued,
    get pressure() {
      return active < concurrency ? 0 : Math.min(1, queued() / maxQueued);
    },
    assertRoom(lane) {
      if (full(lane)) throw shed();
    },
    async run(lane, task) {
      if (active >= concurrency) {
        if (full(lane)) throw shed();
        await new Promise<void>((resolve) => queues[lane].push(resolve));
      } else {
        active += 1;
      }
      try {
        return await task();
      } finally {
        active -= 1;
        next();
      }
    },
  };
}
