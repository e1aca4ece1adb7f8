/**
 * A sign-in during a storm (issue 20 item 5): while the server's password checks overflow, it
 * answers a sign-in from a new device with 429 `proof_of_work_required` and an ALTCHA challenge.
 * `signInRequest` solves it here (PBKDF2 in the browser's own WebCrypto, off the main thread's
 * work: each try is one native `deriveBits`), saying "Checking your browser…" meanwhile, and
 * sends the same request again with the solution. Only when asked: a calm server asks nothing.
 */
import { solveChallenge, type Challenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/pbkdf2";
import { api, ApiError } from "./api.js";
import { showMessage } from "./dom.js";
import { t } from "./i18n.js";

/** The codes that carry a challenge to solve. */
const CHALLENGE_CODES = new Set(["proof_of_work_required", "proof_of_work_invalid"]);
/** Challenges solved for one sign-in before giving up (a fresh one follows a stale one). */
const MAX_SOLVED = 3;
/** Longest time spent on one challenge (it expires after 60 s). */
const SOLVE_TIMEOUT_MS = 45_000;

/** The note shown while solving: its catalogue key ("Checking your browser…"). */
export const CHECKING_NOTE = "common.checking_browser";

/** The `proof_of_work` field for a solved challenge: base64 of `{ challenge, solution }`. */
export async function solveProofOfWork(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey, timeout: SOLVE_TIMEOUT_MS });
  if (solution === null) throw new Error(t("common.busy_try_again"));
  return btoa(JSON.stringify({ challenge, solution }));
}

/**
 * `POST /login` with `body`, solving a proof of work when the server asks for one (at most
 * `MAX_SOLVED` times); `note` shows "Checking your browser…" while solving.
 * @throws ApiError as `api` does, with the server's code once it stops asking.
 */
export async function signInRequest<T>(
  body: Record<string, unknown>,
  note: HTMLElement,
): Promise<T> {
  let proof: string | null = null;
  for (let solved = 0; ; solved += 1) {
    try {
      return await api<T>(
        "POST",
        "/login",
        proof === null ? body : { ...body, proof_of_work: proof },
      );
    } catch (error) {
      const challenge = error instanceof ApiError ? error.extra.challenge : undefined;
      if (
        !(error instanceof ApiError) ||
        !CHALLENGE_CODES.has(error.code) ||
        typeof challenge !== "object" ||
        challenge === null ||
        solved >= MAX_SOLVED
      ) {
        throw error;
      }
      showMessage(note, t(CHECKING_NOTE), "info");
      try {
        proof = await solveProofOfWork(challenge as Challenge);
      } finally {
        showMessage(note, "");
      }
    }
  }
}
