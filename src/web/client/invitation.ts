/**
 * The page of an invitation link (`/invitation#token=…`): shows whom the account is for, lets
 * the person choose a password, or "Use a passkey" instead (no password, issue 24), or continue
 * with a sign-in provider (issue 22: the invitation links it, no password), then signs them in
 * and opens their account page.
 */
import { api } from "./lib/api.js";
import { byId, fieldValue, handleForm, setVisible, showMessage } from "./lib/dom.js";
import { takeFragmentToken } from "./lib/fragment.js";
import { wirePasskeyFirst } from "./lib/passkey-first.js";
import { showProviderButtons } from "./sign-in/providers.js";
import { describeError } from "./lib/text.js";
import type { UserView } from "./lib/types.js";

const token = takeFragmentToken();
const form = byId<HTMLFormElement>("invitation-form");
const intro = byId("invitation-intro");
const problem = byId("invitation-problem");

async function main(): Promise<void> {
  if (token === null) {
    intro.textContent = "";
    showMessage(problem, "This page needs the link from your invitation mail.", "error");
    return;
  }
  let invited: { name: string; email: string };
  try {
    invited = await api<{ name: string; email: string }>("POST", "/invitations/check", { token });
  } catch (error) {
    intro.textContent = "";
    showMessage(
      problem,
      `${describeError(error)} Ask the administrator to send the invitation again.`,
      "error",
    );
    return;
  }
  intro.textContent = `Welcome, ${invited.name}. Choose the password of your account (${invited.email}).`;
  byId<HTMLInputElement>("invitation-name").value = invited.name;
  setVisible(true, form);
  byId("new-password").focus();
  wirePasskeyFirst({
    section: byId("invitation-passkey"),
    button: byId<HTMLButtonElement>("invitation-passkey-button"),
    message: byId("invitation-passkey-message"),
    path: "/invitations/passkey",
    token,
  });
  void showProviderButtons({
    token,
    list: "invitation-provider-buttons",
    section: "invitation-providers",
    message: byId("invitation-providers-message"),
  });
  handleForm(form, {
    message: byId("invitation-message"),
    context: "password-change",
    validate: () => {
      const confirm = form.elements.namedItem("confirm_password") as HTMLInputElement;
      if (fieldValue(form, "new_password", true) !== confirm.value) {
        return { field: confirm, text: "The two passwords are not the same." };
      }
      return null;
    },
    submit: async () => {
      await api<UserView>("POST", "/invitations/accept", {
        token,
        new_password: fieldValue(form, "new_password", true),
      });
      window.location.assign("/account");
    },
  });
}

main().catch((error: unknown) => showMessage(problem, describeError(error), "error"));
