/**
 * Tampering for the tests that must see a changed token or secret refused: a fixed replacement
 * character can equal the original one (a random personal token ends in `x` once in 62, which
 * failed a CI run), so the replacement is chosen to differ.
 */

/**
 * `value` with its last `count` characters replaced by `A`s, or by `B`s where it already ends
 * with the `A`s: always another string, and in the base62 and base64url alphabets.
 */
export function replaceEnd(value: string, count = 1): string {
  const as = "A".repeat(count);
  return value.slice(0, -count) + (value.endsWith(as) ? "B".repeat(count) : as);
}
