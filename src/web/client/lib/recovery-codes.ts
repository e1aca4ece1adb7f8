/**
 * What the account page says about recovery codes, and the text file it offers: pure
 * functions, so the words are tested without a browser.
 */
import type { RecoveryCodesStatus } from "./types.js";

/** The name of the downloaded file. */
export const RECOVERY_CODES_FILE_NAME = "tessera-recovery-codes.txt";

/** "8 of 10 codes left." and the like; empty when no set was made. */
export function describeRecoveryStatus(status: RecoveryCodesStatus): string {
  if (status.total === 0) return "";
  if (status.remaining === 0) return "You have used all your recovery codes.";
  return `${status.remaining} of ${status.total} codes left.`;
}

/** The prompt when 2 or fewer codes are left (`/me` says when). */
export function lowRecoveryCodesPrompt(left: number): string {
  if (left === 0) return "You have no recovery codes left.";
  return left === 1 ? "Only 1 recovery code is left." : `Only ${left} recovery codes are left.`;
}

/**
 * The downloaded file: who and where the codes are for, when they were made, one code a line
 * (CRLF, so every text editor shows the lines).
 */
export function recoveryCodesText(
  codes: readonly string[],
  account: { name: string; site: string; createdAt: string },
): string {
  return [
    `Recovery codes for ${account.name} at ${account.site}`,
    `Made ${account.createdAt}. Each code works once; making new codes ends these.`,
    "",
    ...codes,
    "",
  ].join("\r\n");
}
