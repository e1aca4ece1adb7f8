/**
 * "This wasn't me" (`/not-me#token=…`, from a security notice). Opening the page changes
 * nothing (mail scanners follow links); the button posts the token (`POST /not-me`), which ends
 * the session(s) concerned, then leads to the reset page to choose a new password.
 */
import { api, ApiError } from "./lib/api.js";
import { byId, handleClick, showMessage } from "./lib/dom.js";
import { takeFragmentToken } from "./lib/fragment.js";

const token = takeFragmentToken();
const button = byId<HTMLButtonElement>("not-me-confirm");
const message = byId("not-me-message");
if (token === null) {
  button.hidden = true;
  showMessage(message, "This page is opened from the link in a security notice mail.", "error");
}

handleClick(button, message, async () => {
  try {
    await api("POST", "/not-me", { token });
  } catch (error) {
    if (error instanceof ApiError && error.code === "invalid_email_token") {
      throw new Error("This link was already used or has expired.", { cause: error });
    }
    throw error;
  }
  button.hidden = true;
  showMessage(
    message,
    "Done: the sessions concerned have ended. Now choose a new password.",
    "success",
  );
  window.location.assign("/reset-password");
});
