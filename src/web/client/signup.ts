/**
 * The sign-up page (`/signup`, only while `TESSERA_SIGNUP=open`): name, email, and a password
 * or "Use a passkey" (issue 24: no password; the passkey is made at the mailed link).
 */
import { api } from "./lib/api.js";
import { byId, fieldValue, handleForm, setVisible } from "./lib/dom.js";
import { mountLocalePicker } from "./lib/i18n.js";
import { passkeysSupported } from "./lib/passkeys.js";
import { sentenceInto } from "./lib/words.js";

mountLocalePicker();

const form = byId<HTMLFormElement>("signup-form");
const passwordInput = byId<HTMLInputElement>("signup-password");

/** Whether "Use a passkey" is chosen. */
function withPasskey(): boolean {
  return form.querySelector<HTMLInputElement>('input[name="way"]:checked')?.value === "passkey";
}

if (passkeysSupported()) {
  setVisible(true, byId("signup-way"));
  form.addEventListener("change", () => {
    const passkey = withPasskey();
    setVisible(!passkey, byId("signup-password-field"));
    // A hidden field is not asked for.
    passwordInput.disabled = passkey;
  });
}

handleForm(form, {
  message: byId("signup-message"),
  submit: async () => {
    const email = fieldValue(form, "email");
    const passkey = withPasskey();
    await api("POST", "/signup", {
      name: fieldValue(form, "name"),
      email,
      ...(passkey ? { passkey: true } : { password: fieldValue(form, "password", true) }),
    });
    form.reset();
    // The same answer whether or not the name or address is taken: the mail says which.
    const shownEmail = byId("signup-done-email");
    shownEmail.textContent = email;
    sentenceInto(byId("signup-done-text"), "signup.done_text", { email: shownEmail });
    setVisible(passkey, byId("signup-done-passkey"));
    setVisible(false, byId("signup-step"));
    setVisible(true, byId("signup-done"));
    byId("signup-done-title").focus();
  },
});
