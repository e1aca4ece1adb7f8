/** Challenges in this process's memory: the default of a single instance on SQLite. */
import {
  DEFAULT_MAX_LIVE_ANONYMOUS_CHALLENGES,
  MAX_CHALLENGE_LENGTH,
  tooManyChallenges,
  type ChallengeStore,
  type StoredChallenge,
} from "./types.js";

/**
 * Challenges in this process's memory (issue 14 item 9: an unauthenticated endpoint should not
 * write database rows): the default of a single instance on SQLite without Redis. Consumed
 * once (delete on read, one synchronous step). Expired ones are swept at each `put`; at most
 * `maxAnonymous` passwordless ones live at once, and all of them together at most twice that.
 */
export function createMemoryChallengeStore(
  maxAnonymous = DEFAULT_MAX_LIVE_ANONYMOUS_CHALLENGES,
): ChallengeStore & { readonly size: number } {
  const live = new Map<string, StoredChallenge & { expiresAtMs: number }>();
  let anonymous = 0;
  /** Claimed values (`claim`), by purpose and value, with their expiry. */
  const claimed = new Map<string, number>();
  let lastClaimSweepMs = Number.NEGATIVE_INFINITY;
  let lastSweepMs = Number.NEGATIVE_INFINITY;
  const remove = (key: string) => {
    const stored = live.get(key);
    if (stored === undefined) return;
    live.delete(key);
    if (stored.userId === null) anonymous -= 1;
  };
  return {
    get size() {
      return live.size;
    },
    async put(challenge, ttlMs, nowMs) {
      const full =
        challenge.userId === null ? anonymous >= maxAnonymous : live.size >= 2 * maxAnonymous;
      // A sweep is a full pass: once a second, or when full.
      if (full || nowMs - lastSweepMs >= 1_000 || nowMs < lastSweepMs) {
        lastSweepMs = nowMs;
        for (const [key, stored] of live) if (stored.expiresAtMs <= nowMs) remove(key);
      }
      if (challenge.userId === null ? anonymous >= maxAnonymous : live.size >= 2 * maxAnonymous) {
        throw tooManyChallenges();
      }
      if (live.has(challenge.challenge)) return; // as Redis SET NX: the first one stays
      live.set(challenge.challenge, { ...challenge, expiresAtMs: nowMs + ttlMs });
      if (challenge.userId === null) anonymous += 1;
    },
    async consume(challenge, purpose, nowMs) {
      const stored = live.get(challenge);
      if (stored === undefined) return undefined;
      remove(challenge);
      if (stored.purpose !== purpose || stored.expiresAtMs <= nowMs) return undefined;
      return { userId: stored.userId, purpose: stored.purpose, challenge: stored.challenge };
    },
    async claim(value, purpose, ttlMs, nowMs) {
      if (value.length === 0 || value.length > MAX_CHALLENGE_LENGTH) return false;
      if (nowMs - lastClaimSweepMs >= 1_000 || nowMs < lastClaimSweepMs) {
        lastClaimSweepMs = nowMs;
        for (const [key, expiresAtMs] of claimed) if (expiresAtMs <= nowMs) claimed.delete(key);
      }
      const key = `${purpose}:${value}`;
      const expiresAtMs = claimed.get(key);
      if (expiresAtMs !== undefined && expiresAtMs > nowMs) return false;
      claimed.set(key, nowMs + ttlMs);
      return true;
    },
  };
}
