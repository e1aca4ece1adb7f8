/**
 * How guessable a password is, offline: zxcvbn-ts with its common dictionaries (breach corpora
 * of the most used passwords, names, Wikipedia words) and the English ones, plus the context of
 * the account (its name, the email's parts, the app's name) as extra words, as NIST SP
 * 800-63B-4 §3.1.1.2 asks ("context-specific words"). The dictionaries load once per process,
 * on first use (or `preparePasswordStrength()` at start).
 */
import { ZxcvbnFactory, type ZxcvbnResult } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as english from "@zxcvbn-ts/language-en";

/** zxcvbn's score: 0 too guessable … 4 very unguessable (guesses < 10^3, 10^6, 10^8, 10^10, more). */
export type PasswordScore = 0 | 1 | 2 | 3 | 4;

/** What the estimator found. */
export interface PasswordStrength {
  score: PasswordScore;
  /** The password is, but for case and l33t, a known common or breached password. */
  common: boolean;
  /** The password is, or is mostly made of, a word of the account (name, email, app name). */
  context: boolean;
  /** A word of the account appears in the password at all. */
  mentionsContext: boolean;
  /** zxcvbn's warning, in English, or null. */
  warning: string | null;
  /** zxcvbn's suggestions, in English. */
  suggestions: string[];
}

/**
 * Characters zxcvbn looks at: beyond 64 a password is long enough anyway (NIST SP 800-63B-4
 * asks verifiers to allow at least 64), and the matchers' cost grows with the length.
 */
export const PASSWORD_STRENGTH_MAX_CHARS = 64;

let factory: ZxcvbnFactory | undefined;
let blocklist: ReadonlySet<string> | undefined;

/**
 * zxcvbn's list of common and breached passwords (49,233, ranked by frequency), folded to
 * lower case: a password on it is refused outright, whatever its score (a listed password can
 * score well when another dictionary explains it first, e.g. `december`).
 */
function commonPasswords(): ReadonlySet<string> {
  blocklist ??= new Set(
    ((common.dictionary as Record<string, string[]>)["passwords-common"] ?? []).map((p) =>
      p.toLowerCase(),
    ),
  );
  return blocklist;
}

/** Whether the password, in any case, is on the common-password list. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.normalize("NFKC").toLowerCase());
}

function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
    maxLength: PASSWORD_STRENGTH_MAX_CHARS,
    // The l33t matcher tries every combination of substitutions: past a few it costs tens of
    // milliseconds per password (measured: avg 72 ms at the default 100, 7 ms at 3, on a loaded
    // 2-core machine) while `P@ssw0rd` and `p4$$w0rd!` are still found at 3.
    l33tMaxSubstitutions: 3,
  });
  return factory;
}

/** Loads the dictionaries now, so the first password checked costs no more than the next. */
export function preparePasswordStrength(): void {
  estimator();
  commonPasswords();
}

/** The words of an account an attacker would try first: its name, the email's parts, the app. */
export function contextWords(context: {
  name?: string;
  email?: string;
  appName?: string;
}): string[] {
  const words = new Set<string>();
  const add = (value: string | undefined) => {
    if (value === undefined) return;
    const folded = value.normalize("NFKC").toLowerCase().trim();
    if (folded.length >= 3) words.add(folded);
  };
  add(context.name);
  add(context.appName);
  if (context.email !== undefined) {
    add(context.email);
    const [local, domain] = context.email.split("@");
    add(local);
    for (const part of (local ?? "").split(/[._+-]/)) add(part);
    for (const label of (domain ?? "").split(".").slice(0, -1)) add(label);
  }
  return [...words];
}

/** Whether one match covers most of the password (a word padded with a digit or two is still the word). */
function dominates(result: ZxcvbnResult, test: (dictionaryName: string) => boolean): boolean {
  const length = [...result.password].length;
  return result.sequence.some((match) => {
    const name = (match as { dictionaryName?: string }).dictionaryName;
    if (match.pattern !== "dictionary" || name === undefined || !test(name)) return false;
    return (match.j - match.i + 1) * 4 >= length * 3;
  });
}

/** Estimates a password against the dictionaries and `userInputs` (see contextWords). */
export function estimatePasswordStrength(
  password: string,
  userInputs: readonly string[] = [],
): PasswordStrength {
  const result = estimator().check(password, [...userInputs]);
  return {
    score: result.score as PasswordScore,
    common: isCommonPassword(password) || dominates(result, (name) => name.startsWith("passwords")),
    context: dominates(result, (name) => name === "userInputs"),
    mentionsContext: result.sequence.some(
      (match) => (match as { dictionaryName?: string }).dictionaryName === "userInputs",
    ),
    warning: result.feedback.warning,
    suggestions: result.feedback.suggestions,
  };
}
