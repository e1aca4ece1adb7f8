/**
 * The account page's password section for an account without a password (passkey-first,
 * issue 24): it says so and the form adds a first password (no current one to give; the
 * server asks for a recent authentication, the passkey, instead). Once added, the section is
 * the usual password change.
 */
import { byId, setVisible } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import type { AccountState } from "./state.js";

/** Whether the signed-in account has no password (`GET /me`'s `has_password`). */
export function lacksPassword(state: AccountState): boolean {
  return "has_password" in state.me && state.me.has_password === false;
}

/** Shows the section as "add a password" while the account has none, else as "change". */
export function showPasswordSection(state: AccountState): void {
  const none = lacksPassword(state);
  setVisible(none, byId("password-none"));
  setVisible(!none, byId("old-password-field"));
  byId<HTMLInputElement>("old-password").disabled = none;
  byId("password-submit").textContent = t(
    none ? "account.password_add" : "account.password_change",
  );
}
