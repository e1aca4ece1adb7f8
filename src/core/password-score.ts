/**
 * The least strength a new password needs by default, apart from the estimator
 * (`password-strength.ts`) so that naming it loads no dictionary: the configuration table does,
 * and the library's entry point reads through that table.
 */
import type { PasswordScore } from "./password-strength.js";

/** Default least zxcvbn score: 2, "somewhat guessable" (more than 10^8 guesses, see the README). */
export const DEFAULT_PASSWORD_MIN_SCORE: PasswordScore = 2;
