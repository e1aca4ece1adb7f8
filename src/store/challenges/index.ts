/**
 * `store/challenges/`: where WebAuthn challenges wait between the options call and the answer.
 * The port (`types.ts`: `ChallengeStore`) and one file per implementation: `memory.ts` (this
 * process, the default of a single instance on SQLite without Redis), `database.ts` (the
 * `auth_challenges` table) and `redis.ts` (several instances). The challenge value itself is the
 * lookup key: the answer carries it back in its clientDataJSON, so clients keep no state.
 * Consumption is atomic in each (one synchronous step; DELETE … RETURNING; GETDEL): a challenge
 * is used once.
 */
export { DEFAULT_MAX_LIVE_ANONYMOUS_CHALLENGES } from "./types.js";
export type { ChallengeStore, StoredChallenge } from "./types.js";
export { challengeRowId, createDatabaseChallengeStore } from "./database.js";
export { createMemoryChallengeStore } from "./memory.js";
export { createRedisChallengeStore } from "./redis.js";
