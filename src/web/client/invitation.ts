/**
 * The page of an invitation link (`/invitation#token=…`): shows whom the account is for, lets
 * the person choose a password, or "Use a passkey" instead (no password, issue 24), or continue
 * with a sign-in provider (issue 22: the invitation links it, no password), then signs them in
 * and opens their account page.
 */
import { api } from "./lib/api.js";
import { byId, fieldValue, h, handleForm, setVisible, showMessage } from "./lib/dom.js";
import { takeFragmentToken } from "./lib/fragment.js";
import { mountLocalePicker, t } from "./lib/i18n.js";
import { wirePasskeyFirst } from "./lib/passkey-first.js";
import { showProviderButtons } from "./sign-in/providers.js";
import { describeError } from "./lib/text.js";
import type { UserView } from "./lib/types.js";
import { sentenceInto } from "./lib/words.js";

mountLocalePicker();

const token = takeFragmentToken();
const form = byId<HTMLFormElement>("invitation-form");
const intro = byId("invitation-intro");
const problem = byId("invitation-problem");

async function main(): Promise<void> {
  if (token === null) {
    intro.textContent = "";
    showMessage(problem, t("invitation.no_token"), "error");
    return;
  }
  let invited: { name: string; email: string };
  try {
    invited = await api<{ name: string; email: string }>("POST", "/invitations/check", { token });
  } catch (error) {
    intro.textContent = "";
    showMessage(problem, t("invitation.check_failed", { problem: describeError(error) }), "error");
    return;
  }
  sentenceInto(intro, "invitation.welcome", {
    name: h("span", { translate: "no", text: invited.name }),
    email: h("span", { translate: "no", text: invited.email }),
  });
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
        return { field: confirm, text: t("invitation.passwords_differ") };
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
