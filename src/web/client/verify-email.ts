/**
 * The page of the verification link (`/verify-email#token=…`): the address is confirmed when
 * the person presses the button (a GET changes nothing: mail scanners open links too).
 */
import { api } from "./lib/api.js";
import { byId, handleClick, setVisible, showMessage } from "./lib/dom.js";
import { takeFragmentToken } from "./lib/fragment.js";
import type { UserView } from "./lib/types.js";

const token = takeFragmentToken();
const message = byId("verify-message");
const button = byId<HTMLButtonElement>("verify-button");

if (token === null) {
  setVisible(false, button);
  showMessage(
    message,
    "This page needs the link from the mail. Open the link again, or ask for a new one from the sign-in page.",
    "error",
  );
} else {
  handleClick(button, message, async () => {
    const user = await api<UserView>("POST", "/email/verify", { token });
    byId("verified-name").textContent = user.name;
    setVisible(false, byId("verify-step"));
    setVisible(true, byId("verified-step"));
    byId("verified-title").focus();
  });
}
