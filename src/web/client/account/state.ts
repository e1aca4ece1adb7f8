/**
 * What the account page's sections share: the signed-in user as it is now (a section that
 * changes it puts the new one here) and how many passkeys it has, which together say whether
 * the user has a second factor for recovery codes to stand in for.
 */
import type { MeView, UserView } from "../lib/types.js";

/** The account page's shared state; one object, made when the page starts. */
export interface AccountState {
  /** The signed-in user; replaced after a change of password, address or authenticator app. */
  me: UserView | MeView;
  /** How many passkeys the user has, once the list is read (0 before). */
  passkeyCount: number;
}

/** Whether the user has an authenticator app or a passkey. */
export function hasSecondFactor(state: AccountState): boolean {
  return state.me.totp_enabled || state.passkeyCount > 0;
}
