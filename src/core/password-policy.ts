/**
 * What a new password must be (NIST SP 800-63B-4 §3.1.1.2): long enough, not absurdly long,
 * and not the account's own name or email. Counting is by Unicode code points, as NIST asks.
 */
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../contract/limits.js";

export interface PasswordPolicyContext {
  name: string;
  email: string;
}

/**
 * Returns why `password` is refused, or null when it is acceptable. Never includes the password.
 */
export function passwordPolicyViolation(
  password: string,
  context: PasswordPolicyContext,
): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    return `Password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH)
    return `Password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  const folded = fold(password);
  if (folded === fold(context.name) || folded === fold(context.email)) {
    return "Password must differ from the name and the email";
  }
  return null;
}

function fold(value: string): string {
  return value.normalize("NFKC").toUpperCase().toLowerCase().trim();
}
