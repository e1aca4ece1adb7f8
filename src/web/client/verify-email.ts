/**
 * The page of the verification link (`/verify-email#token=…`): the address is confirmed when
 * the person presses the button (a GET changes nothing: mail scanners open links too). The link
 * of a sign-up without a password (issue 24) makes the account's passkey at the same press,
 * signs in and goes on to the recovery codes; any other link only confirms the address.
 */
import { api, ApiError } from "./lib/api.js";
import { byId, handleClick, setVisible, showMessage } from "./lib/dom.js";
import { takeFragmentToken } from "./lib/fragment.js";
import { mountLocalePicker, t } from "./lib/i18n.js";
import { AFTER_PASSKEY_FIRST } from "./lib/passkey-first.js";
import { createPasskey, explainedPasskeyCall, passkeysSupported } from "./lib/passkeys.js";
import type { UserView } from "./lib/types.js";
import { sentenceInto } from "./lib/words.js";

mountLocalePicker();

const token = takeFragmentToken();
const message = byId("verify-message");
const button = byId<HTMLButtonElement>("verify-button");

if (token === null) {
  setVisible(false, button);
  showMessage(message, t("verify_email.no_token"), "error");
} else {
  handleClick(button, message, async () => {
    if (passkeysSupported() && (await passkeyFirstSignup(token))) return;
    const user = await api<UserView>("POST", "/email/verify", { token });
    const name = byId("verified-name");
    name.textContent = user.name;
    sentenceInto(byId("verified-text"), "verify_email.verified_text", { name });
    setVisible(false, byId("verify-step"));
    setVisible(true, byId("verified-step"));
    byId("verified-title").focus();
  });
}

/**
 * A sign-up with a passkey instead of a password: the passkey is made now (the link's token
 * binds the ceremony), then the account page opens at the recovery codes. False when the link
 * is not such a sign-up's (409 `password_already_set`): it only confirms the address.
 */
async function passkeyFirstSignup(linkToken: string): Promise<boolean> {
  let options: Record<string, unknown>;
  try {
    options = await api<Record<string, unknown>>("POST", "/signup/passkey/options", {
      token: linkToken,
    });
  } catch (error) {
    if (error instanceof ApiError && error.code === "password_already_set") return false;
    throw error;
  }
  const response = await explainedPasskeyCall(() => createPasskey(options));
  await api<UserView>("POST", "/signup/passkey", { token: linkToken, webauthn_response: response });
  window.location.assign(AFTER_PASSKEY_FIRST);
  return true;
}
