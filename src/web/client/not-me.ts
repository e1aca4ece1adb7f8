/**
 * "This wasn't me" (`/not-me#token=…`, from a security notice). Opening the page changes
 * nothing (mail scanners follow links); the button posts the token (`POST /not-me`), which ends
 * the session(s) concerned, then leads to the reset page to choose a new password.
 */
import { api, ApiError } from "./lib/api.js";
import { byId, handleClick, showMessage } from "./lib/dom.js";
import { takeFragmentToken } from "./lib/fragment.js";
import { mountLocalePicker, t } from "./lib/i18n.js";

mountLocalePicker();

const token = takeFragmentToken();
const button = byId<HTMLButtonElement>("not-me-confirm");
const message = byId("not-me-message");
if (token === null) {
  button.hidden = true;
  showMessage(message, t("not_me.no_token"), "error");
}

handleClick(button, message, async () => {
  try {
    await api("POST", "/not-me", { token });
  } catch (error) {
    if (error instanceof ApiError && error.code === "invalid_email_token") {
      throw new Error(t("not_me.link_used"), { cause: error });
    }
    throw error;
  }
  button.hidden = true;
  showMessage(message, t("not_me.done"), "success");
  window.location.assign("/reset-password");
});
