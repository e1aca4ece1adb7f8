/**
 * What the account page says about recovery codes, and the text file it offers: pure
 * functions, so the words are tested without a browser.
 */
import { t } from "./i18n.js";
import type { RecoveryCodesStatus } from "./types.js";

/** The name of the downloaded file. */
export const RECOVERY_CODES_FILE_NAME = "tessera-recovery-codes.txt";

/** "8 of 10 codes left." and the like; empty when no set was made. */
export function describeRecoveryStatus(status: RecoveryCodesStatus): string {
  if (status.total === 0) return "";
  if (status.remaining === 0) return t("common.recovery_all_used");
  return t("common.recovery_left", { remaining: status.remaining, total: status.total });
}

/** The prompt when 2 or fewer codes are left (`/me` says when). */
export function lowRecoveryCodesPrompt(left: number): string {
  return t("common.recovery_low", { count: left });
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
    t("common.recovery_file_title", { name: account.name, site: account.site }),
    t("common.recovery_file_made", { created: account.createdAt }),
    "",
    ...codes,
    "",
  ].join("\r\n");
}
