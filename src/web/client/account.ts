/**
 * The account page (`/account`): change the password, the authenticator app (TOTP: set up
 * with a QR code, confirm, turn off), passkeys (add, rename, remove), recovery codes (made and
 * shown once, copied or downloaded, "I have saved them"; a prompt when 2 or fewer are left),
 * where you're signed in (sign out one session, all the others, or everywhere), access tokens
 * for scripts (make one, shown once; revoke one), the apps with access (revoke one). A user who owes a second factor (`TESSERA_REQUIRE_2FA`) sees only the
 * password and the two ways to set one up; sensitive actions ask "Confirm it is you" inline
 * when the sign-in is too old.
 *
 * This entry checks who is signed in and puts the sections together: the password form
 * (./lib/password-form.ts), the address (./lib/email-section.ts), ./account/totp-section.ts,
 * ./account/passkeys-section.ts, ./account/recovery-codes-section.ts,
 * ./account/sessions-section.ts, ./account/tokens-section.ts, ./account/apps-section.ts,
 * ./account/linked-section.ts, ./account/language-section.ts, the Activity (./lib/activity.ts),
 * the password section of an account without one (./account/first-password.ts),
 * and the way back to an application's sign-in (./account/continue-section.ts); what they
 * share is ./account/state.ts, sentences with dates and names in them ./account/words.ts.
 * Every word comes from the catalogues (`account.` keys, issue 24 item 3).
 */
import { showActivity } from "./lib/activity.js";
import { byId, setVisible, showMessage } from "./lib/dom.js";
import { wireEmailSection } from "./lib/email-section.js";
import { renderHeader } from "./lib/header.js";
import { wirePasswordForm } from "./lib/password-form.js";
import { askForReauthenticationInline } from "./lib/reauthenticate.js";
import { getMe, goToSignIn } from "./lib/session.js";
import { describeError } from "./lib/text.js";
import { wireApps } from "./account/apps-section.js";
import { wirePasskeys } from "./account/passkeys-section.js";
import { wireRecoveryCodes } from "./account/recovery-codes-section.js";
import { wireSessions, wireSignOutEverywhere } from "./account/sessions-section.js";
import type { AccountState } from "./account/state.js";
import { wireTotp } from "./account/totp-section.js";
import { wireTokens } from "./account/tokens-section.js";
import { updateContinueNotice } from "./account/continue-section.js";
import { lacksPassword, showPasswordSection } from "./account/first-password.js";
import { wireLinkedSignIns } from "./account/linked-section.js";
import { wireLanguage } from "./account/language-section.js";
import { tNodes, userData } from "./lib/words.js";

/** "Signed in as <name> (<email>)." */
function showWho(state: AccountState): void {
  byId("me-lead").replaceChildren(
    ...tNodes("account.signed_in_as", {
      name: userData(state.me.name, "strong", "me-name"),
      email: userData(state.me.email, "span", "me-email"),
    }),
  );
}

async function main(): Promise<void> {
  const user = await getMe();
  if (user === null) return goToSignIn("/account");
  // The password change comes first; the sign-in page asks for it.
  if (user.must_change_password) return window.location.replace("/?next=/account");
  const state: AccountState = { me: user, passkeyCount: 0 };
  renderHeader(state.me);
  showWho(state);
  // The address's sentence, with the element ./lib/email-section.ts fills.
  byId("email-where").replaceChildren(
    ...tNodes("account.email_goes_here", { address: userData("", "span", "email-address") }),
  );
  setVisible(true, byId("account-content"));
  setVisible(false, byId("loading"));
  askForReauthenticationInline();
  // Enrolment first (issue 11 item 3): everything else answers 403 until a factor is set up.
  const enrolling = state.me.two_fa_enrolment_required === true;
  setVisible(enrolling, byId("enrolment-notice"));
  setVisible(
    !enrolling,
    byId("sessions-card"),
    byId("tokens-card"),
    byId("apps-card"),
    byId("activity-card"),
    byId("recovery-card"),
    byId("language-card"),
  );

  // A passkey-first account (issue 24) adds its first password in the same form.
  showPasswordSection(state);
  wirePasswordForm({
    form: byId<HTMLFormElement>("password-form"),
    message: byId("password-message"),
    user: () => state.me,
    firstPassword: () => lacksPassword(state),
    done: (updated) => {
      state.me = updated;
      showPasswordSection(state);
    },
  });
  await wireEmailSection(user, (updated) => {
    state.me = updated;
    showWho(state);
  });
  wireTotp(state);
  const passkeysShown = wirePasskeys(state);
  if (enrolling) {
    byId("enrolment-title").focus();
    return;
  }
  // Back from an application's sign-in that asked for a second factor: continue there.
  void passkeysShown.then(() => {
    if (updateContinueNotice(state)) byId("continue-title").focus();
  });
  wireRecoveryCodes(
    state,
    user.recovery_codes_low ? user.recovery_codes_left : null,
    passkeysShown,
  );
  // Straight from an invitation or a sign-up finished with a passkey: recovery codes next.
  if (window.location.hash === "#recovery-title") byId("recovery-title").focus();
  await wireSessions(state.me.id);
  void wireTokens(state.me).catch((error: unknown) => {
    showMessage(byId("tokens-message"), describeError(error), "error");
  });
  void wireApps().catch((error: unknown) => {
    showMessage(byId("apps-message"), describeError(error), "error");
  });
  void showActivity(`/users/${state.me.id}/audit?limit=10`, {
    list: "activity-list",
    more: "activity-more",
    message: "activity-message",
  });
  wireSignOutEverywhere();
  wireLanguage(state);
  // Issue 22: the providers this account signs in through.
  void wireLinkedSignIns().catch((error: unknown) => {
    setVisible(true, byId("linked-card"));
    showMessage(byId("linked-message"), describeError(error), "error");
  });
}

main().catch((error: unknown) => {
  setVisible(false, byId("loading"));
  showMessage(byId("page-message"), describeError(error), "error");
});
