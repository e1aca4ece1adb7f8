/**
 * A way through a sign-in storm that attackers pay for (issue 20 item 5). While the hashing gate
 * (`hash-gate.ts`) is under pressure, a sign-in without a device cookie must bring the solution
 * of a proof-of-work challenge (ALTCHA v2, `altcha-lib`, self-hosted: no third party sees the
 * visitor); one that does is served in the gate's `proven` lane, before the rest. Without one
 * it gets 429 `proof_of_work_required` with a fresh challenge in `extra.challenge`, which the
 * sign-in page solves by itself and API clients solve with `altcha-lib` (`solveChallenge`).
 *
 * - Pressure is the gate's own fill (`HashGate.pressure`), where the sign-ins turned away with
 *   a challenge in the last second or two count as waiting too (they would be, without it: so
 *   the challenge stays on while the storm lasts instead of flapping off as the queue drains).
 *   It is held as a decaying peak that halves every `PRESSURE_HALF_LIFE_MS`, and the challenge
 *   is asked while it is at or above `PRESSURE_THRESHOLD`.
 * - Price: PBKDF2-SHA256 (which browsers run natively in `crypto.subtle`, so a person's browser
 *   is no slower than an attacker's CPU) with `2^8` expected tries of `cost` iterations each,
 *   `cost` growing with the pressure from `MIN_COST` to `MAX_COST`.
 * - Challenges are HMAC-signed under a key derived from the configuration (`proofOfWorkKey`),
 *   carry their own expiry (`expires_at_ms`, read on the injected clock), and each solution is
 *   accepted once: its nonce is claimed in the challenge store (memory, database or Redis, so
 *   across instances), after the signature is checked and before the key is derived, so a
 *   replay costs no key derivation and a forged challenge no write.
 */
import { hkdfSync, randomBytes } from "node:crypto";
import { createChallenge, verifySolution, type Challenge, type Solution } from "altcha-lib";
import { deriveKey as derivePbkdf2Key } from "altcha-lib/algorithms/pbkdf2";
import { MAX_PROOF_OF_WORK_LENGTH } from "../../contract/limits.js";
import type { Clock } from "../../core/clock.js";
import { TooManyRequestsError } from "../../core/errors.js";
import type { ChallengeStore } from "../../store/challenges/index.js";
import type { HashGate, HashLane } from "./hash-gate.js";

/** The key derivation asked for: native in every browser's WebCrypto (`deriveBits`). */
export const PROOF_OF_WORK_ALGORITHM = "PBKDF2/SHA-256";
/** Iterations per try at the threshold: about half a millisecond of one core per try. */
export const MIN_COST = 1_000;
/** Iterations per try with the gate full: 4 times the least price. */
export const MAX_COST = 4_000;
/** The derived key must begin with a random prefix this long: 16^2 = 256 expected tries. */
const KEY_PREFIX_HEX_DIGITS = 2;
/** Gate fill (0 to 1) from which a challenge is asked: half the waiting room taken. */
export const PRESSURE_THRESHOLD = 0.5;
/** The remembered peak of pressure halves in this time once the queue drains. */
export const PRESSURE_HALF_LIFE_MS = 10_000;
/** Sign-ins turned away are counted per window this long (this one and the one before). */
export const TURNED_AWAY_WINDOW_MS = 1_000;
/** A challenge is good for this long after it is issued (solving takes about a second). */
export const CHALLENGE_LIFETIME_MS = 60_000;
/** The challenge store's purpose for claimed nonces. */
const CLAIM_PURPOSE = "proof_of_work";
const KEY_INFO = "tessera proof of work v1";

/** The part of the services context the check reads. */
export interface ProofOfWork {
  /**
   * The lane a sign-in without a device cookie waits in: `default` while the gate is not under
   * pressure, `proven` with a valid, unused solution (`proofOfWork`: the `proof_of_work` field).
   * @throws TooManyRequestsError `proof_of_work_required` (none given) or `proof_of_work_invalid`
   *   (expired, forged, wrong or replayed), `extra.challenge` a fresh challenge.
   */
  laneFor(proofOfWork: string | null | undefined): Promise<HashLane>;
  /** The remembered pressure now (0 to 1), for tests and metrics. */
  readonly pressure: number;
}

export interface ProofOfWorkOptions {
  /** The gate whose pressure is read. */
  gate: HashGate;
  /** Where used nonces are claimed (`ChallengeStore.claim`). */
  store: ChallengeStore;
  /** The signing key, from `proofOfWorkKey`. */
  key: string;
  clock: Clock;
}

/**
 * The challenges' HMAC key: HKDF-SHA256 (RFC 5869) of the key-encryption secret (the JWT
 * secret unless one of its own is set), so every instance of a deployment agrees.
 */
export function proofOfWorkKey(secret: string): string {
  return Buffer.from(
    hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.alloc(0), KEY_INFO, 32),
  ).toString("hex");
}

/**
 * The lane of a sign-in without a device cookie (`ProofOfWork.laneFor`; `default` when the
 * feature is off). @throws what `laneFor` throws.
 */
export async function admitNewDevice(
  ctx: { readonly proofOfWork?: ProofOfWork },
  proofOfWork: string | null | undefined,
): Promise<HashLane> {
  return ctx.proofOfWork === undefined ? "default" : ctx.proofOfWork.laneFor(proofOfWork);
}

/** The price at a pressure level: `MIN_COST` at the threshold, `MAX_COST` with the gate full. */
export function costAt(level: number): number {
  const over = Math.min(1, Math.max(0, (level - PRESSURE_THRESHOLD) / (1 - PRESSURE_THRESHOLD)));
  return Math.round(MIN_COST + over * (MAX_COST - MIN_COST));
}

/** The check of issue 20 item 5 over a gate, a store and a key. */
export function createProofOfWork(options: ProofOfWorkOptions): ProofOfWork {
  const { gate, store, key, clock } = options;
  let level = 0;
  let levelAtMs = Number.NEGATIVE_INFINITY;
  // Sign-ins turned away in the current window and in the one before it.
  let windowStartMs = Number.NEGATIVE_INFINITY;
  let turnedAway = 0;
  let turnedAwayBefore = 0;

  function rollWindow(nowMs: number): void {
    const elapsedMs = nowMs - windowStartMs;
    if (elapsedMs >= 0 && elapsedMs < TURNED_AWAY_WINDOW_MS) return;
    turnedAwayBefore = elapsedMs >= 0 && elapsedMs < 2 * TURNED_AWAY_WINDOW_MS ? turnedAway : 0;
    turnedAway = 0;
    windowStartMs = nowMs;
  }

  /** The decaying peak of the gate's fill (turned-away sign-ins included), brought up to now. */
  function observe(nowMs: number): number {
    rollWindow(nowMs);
    const sample = Math.max(
      gate.pressure,
      Math.min(1, Math.max(turnedAway, turnedAwayBefore) / gate.maxQueued),
    );
    const elapsedMs = Math.max(0, nowMs - levelAtMs);
    const decayed = level * 2 ** (-elapsedMs / PRESSURE_HALF_LIFE_MS);
    level = Math.max(sample, decayed);
    levelAtMs = nowMs;
    return level;
  }

  async function refuse(
    code: "proof_of_work_required" | "proof_of_work_invalid",
    nowMs: number,
  ): Promise<never> {
    turnedAway += 1;
    const challenge = await createChallenge({
      algorithm: PROOF_OF_WORK_ALGORITHM,
      cost: costAt(level),
      keyPrefix: randomPrefix(),
      deriveKey: derivePbkdf2Key,
      // Our own expiry, on the injected clock (altcha's `expiresAt` reads Date.now()).
      data: { expires_at_ms: nowMs + CHALLENGE_LIFETIME_MS },
      hmacSignatureSecret: key,
    });
    throw new TooManyRequestsError(
      1,
      code === "proof_of_work_required"
        ? "Too many sign-ins at once: solve the challenge and send the request again"
        : "The proof of work is expired, invalid or already used: solve the new challenge",
      { code, extra: { challenge } },
    );
  }

  async function valid(proofOfWork: string, nowMs: number): Promise<boolean> {
    const payload = parsePayload(proofOfWork);
    if (payload === null) return false;
    const expiresAtMs = payload.challenge.parameters.data?.expires_at_ms;
    // Checked again after the signature (a forged expiry fails there).
    if (typeof expiresAtMs !== "number" || expiresAtMs <= nowMs) return false;
    const nonce = payload.challenge.parameters.nonce;
    let claimed = false;
    const result = await verifySolution({
      challenge: payload.challenge,
      solution: payload.solution,
      hmacSignatureSecret: key,
      // Called only once the signature holds: claim the nonce, then derive.
      deriveKey: async (parameters, salt, password) => {
        claimed = await store.claim(nonce, CLAIM_PURPOSE, expiresAtMs - nowMs, nowMs);
        if (!claimed) return { derivedKey: new Uint8Array(0) };
        return derivePbkdf2Key(parameters, salt, password);
      },
    });
    return claimed && result.verified;
  }

  return {
    get pressure() {
      return observe(clock());
    },
    async laneFor(proofOfWork) {
      const nowMs = clock();
      if (observe(nowMs) < PRESSURE_THRESHOLD) return "default";
      if (typeof proofOfWork !== "string" || proofOfWork === "") {
        return refuse("proof_of_work_required", nowMs);
      }
      if (!(await valid(proofOfWork, nowMs))) return refuse("proof_of_work_invalid", nowMs);
      return "proven";
    },
  };
}

function randomPrefix(): string {
  return randomBytes(Math.ceil(KEY_PREFIX_HEX_DIGITS / 2))
    .toString("hex")
    .slice(0, KEY_PREFIX_HEX_DIGITS);
}

/** The `proof_of_work` field: base64 of `{ challenge, solution }` (ALTCHA's payload), or null. */
function parsePayload(text: string): { challenge: Challenge; solution: Solution } | null {
  if (text.length > MAX_PROOF_OF_WORK_LENGTH) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { challenge, solution } = value as { challenge?: unknown; solution?: unknown };
  if (!isRecord(challenge) || !isRecord(solution) || !isRecord(challenge.parameters)) return null;
  const parameters = challenge.parameters;
  if (
    typeof challenge.signature !== "string" ||
    typeof parameters.nonce !== "string" ||
    typeof parameters.salt !== "string" ||
    typeof parameters.keyPrefix !== "string" ||
    parameters.algorithm !== PROOF_OF_WORK_ALGORITHM ||
    (parameters.data !== undefined && !isRecord(parameters.data))
  ) {
    return null;
  }
  return {
    challenge: challenge as unknown as Challenge,
    solution: solution as unknown as Solution,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
