/**
 * The sign-up page (`/signup`, only while `TESSERA_SIGNUP=open`): name, email, and a password
 * or "Use a passkey" (issue 24: no password; the passkey is made at the mailed link).
 */
import { api } from "./lib/api.js";
import { byId, fieldValue, handleForm, setVisible } from "./lib/dom.js";
import { mountLocalePicker, t } from "./lib/i18n.js";
import { passkeysSupported } from "./lib/passkeys.js";

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

/**
 * The message `key` in `target`, each placeholder replaced by its element (user data, marked
 * `translate="no"` in the page), wherever the language puts it.
 */
function sentenceWith(target: HTMLElement, key: string, parts: Record<string, HTMLElement>): void {
  const marks = Object.fromEntries(Object.keys(parts).map((name) => [name, `\uE000${name}\uE000`]));
  target.replaceChildren(
    ...t(key, marks)
      .split("\uE000")
      .map((piece, index) => (index % 2 === 1 ? (parts[piece] ?? piece) : piece)),
  );
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
    sentenceWith(byId("signup-done-text"), "signup.done_text", { email: shownEmail });
    setVisible(passkey, byId("signup-done-passkey"));
    setVisible(false, byId("signup-step"));
    setVisible(true, byId("signup-done"));
    byId("signup-done-title").focus();
  },
});
