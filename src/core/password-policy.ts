/**
 * What a new password must be (NIST SP 800-63B-4 §3.1.1.2; OWASP ASVS 5.0 V6.2): 8 to 1024
 * characters counted as Unicode code points; not a common or breached password (a blocklist,
 * here zxcvbn's dictionaries, always, whatever the minimum score); not the account's own name,
 * email or the app's name; and at least `minScore` by the strength estimator. No composition
 * rules (NIST: "SHALL NOT impose other composition rules").
 */
import { createHash } from "node:crypto";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../contract/limits.js";
import { DEFAULT_PASSWORD_MIN_SCORE } from "./password-score.js";
import { contextWords, estimatePasswordStrength } from "./password-strength.js";

export { DEFAULT_PASSWORD_MIN_SCORE };

/**
 * The version of the offline policy's rules and dictionaries: raise it when a rule, a limit or
 * the blocklist changes, so every stored password is checked again at its next sign-in.
 */
export const PASSWORD_POLICY_VERSION = 1;

/**
 * What a password's last check depended on besides the password (issue 20 item 1): the
 * policy's version, the minimum score and the context words (name, email, app name). A sign-in
 * whose stored fingerprint equals this one need not run the policy again: the answer is the same.
 */
export function passwordPolicyFingerprint(
  context: PasswordPolicyContext,
  minScore: number = DEFAULT_PASSWORD_MIN_SCORE,
): string {
  const inputs = [PASSWORD_POLICY_VERSION, minScore, context.name, context.email, context.appName];
  const digest = createHash("sha256").update(JSON.stringify(inputs)).digest("base64url");
  return `v${PASSWORD_POLICY_VERSION}:${digest.slice(0, 22)}`;
}

export interface PasswordPolicyContext {
  name: string;
  email: string;
  /** The app's name: an attacker's first guess too. */
  appName?: string;
}

/** Why a password is refused (`extra.reason` of the 400 `password_policy`). */
export type PasswordPolicyReason =
  "too_short" | "too_long" | "common" | "context" | "weak" | "breached";

/** A refusal: the reason, a sentence for people, and the estimator's suggestion when it has one. */
export interface PasswordPolicyViolation {
  reason: PasswordPolicyReason;
  message: string;
  suggestion: string | null;
}

/**
 * Returns why `password` is refused, or null when it is acceptable. Never includes the password.
 * `minScore` (0 to 4) is the least zxcvbn score; default DEFAULT_PASSWORD_MIN_SCORE.
 */
export function passwordPolicyViolation(
  password: string,
  context: PasswordPolicyContext,
  minScore: number = DEFAULT_PASSWORD_MIN_SCORE,
): PasswordPolicyViolation | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    return refusal("too_short", `Password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return refusal("too_long", `Password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  const folded = fold(password);
  if (folded === fold(context.name) || folded === fold(context.email)) {
    return refusal("context", "Password must differ from the name and the email");
  }
  if (containsAccountWord(folded, context)) {
    return refusal(
      "context",
      "Password must not contain the account's name or the first part of its email",
    );
  }
  const strength = estimatePasswordStrength(password, contextWords(context));
  const suggestion = strength.suggestions[0] ?? null;
  if (strength.common) {
    return refusal(
      "common",
      "This password is too common: it is on lists attackers try first",
      suggestion,
    );
  }
  if (strength.context) {
    return refusal(
      "context",
      "This password is too close to the account's name, email or the app's name",
      suggestion,
    );
  }
  if (strength.score < minScore) {
    if (strength.mentionsContext) {
      return refusal(
        "context",
        "This password is too easy to guess: it builds on the account's name, email or the app's name",
        suggestion,
      );
    }
    return refusal(
      "weak",
      strength.warning === null
        ? "This password is too easy to guess"
        : `This password is too easy to guess: ${strength.warning}`,
      suggestion,
    );
  }
  return null;
}

/**
 * Fewest code points a name or an email's local part must have before a password containing it
 * is refused: shorter ones ("ann", "li") occur inside unrelated words. Keycloak's
 * `notContainsUsername` has no floor; zxcvbn already weighs the short ones.
 */
export const MIN_CONTAINED_ACCOUNT_WORD_LENGTH = 4;

/**
 * Whether the folded password contains the whole name or the email's local part (each of at
 * least MIN_CONTAINED_ACCOUNT_WORD_LENGTH code points once folded), as Keycloak's
 * `notContainsUsername`: zxcvbn alone let `ursula3779418` take `ursula37794182024!`, the name
 * being 72% of it, under its own 75% rule.
 */
function containsAccountWord(foldedPassword: string, context: PasswordPolicyContext): boolean {
  const at = context.email.lastIndexOf("@");
  const words = [context.name, at < 0 ? context.email : context.email.slice(0, at)];
  return words.some((word) => {
    const folded = fold(word);
    return (
      [...folded].length >= MIN_CONTAINED_ACCOUNT_WORD_LENGTH && foldedPassword.includes(folded)
    );
  });
}

function refusal(
  reason: PasswordPolicyReason,
  message: string,
  suggestion: string | null = null,
): PasswordPolicyViolation {
  return { reason, message, suggestion };
}

function fold(value: string): string {
  return value.normalize("NFKC").toUpperCase().toLowerCase().trim();
}
