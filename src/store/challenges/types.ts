/**
 * The challenge port: where WebAuthn challenges wait between the options call and the answer
 * (`ChallengeStore`), the cap every implementation applies, and what they share.
 */
import { InternalError } from "../../core/errors.js";

/** A challenge as stored. */
export interface StoredChallenge {
  userId: string | null;
  purpose: string;
  challenge: string;
}

/** Where challenges wait: kept for a time, then consumed once. */
export interface ChallengeStore {
  /** Keeps a challenge for `ttlMs` from `nowMs`. */
  put(challenge: StoredChallenge, ttlMs: number, nowMs: number): Promise<void>;
  /** Atomic consume-once; undefined when unknown, used, expired or of another purpose. */
  consume(challenge: string, purpose: string, nowMs: number): Promise<StoredChallenge | undefined>;
  /**
   * Marks a single-use value (a solved proof-of-work challenge's nonce) as used for `ttlMs` from
   * `nowMs`, atomically: true the first time, false while it is marked (`SET NX`, `INSERT … ON
   * CONFLICT DO NOTHING`). Not counted against the cap of live challenges: a claim is made only
   * for work already paid for.
   */
  claim(value: string, purpose: string, ttlMs: number, nowMs: number): Promise<boolean>;
}

/**
 * Most challenges not tied to a user (passwordless sign-in: anyone may ask for one) alive at
 * once, per store (issue 14 item 9). At the per-address limit of the options route (30 a minute)
 * and a 5-minute life, it takes over 66 client networks at full speed to fill; past it new
 * options get 503 with Retry-After until old ones expire, and memory or rows stay bounded.
 */
export const DEFAULT_MAX_LIVE_ANONYMOUS_CHALLENGES = 10_000;

/** The error of a full store: 503 with Retry-After. */
export function tooManyChallenges(): InternalError {
  return new InternalError("Too many pending passkey challenges", {
    code: "service_unavailable",
  });
}

/** Longest challenge value accepted as a key (base64url of 32 bytes is 43 characters). */
export const MAX_CHALLENGE_LENGTH = 128;
