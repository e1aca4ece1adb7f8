/** The change-password form, used by the sign-in page (forced change) and the account page. */
import { api, userPath } from "./api.js";
import { fieldValue, handleForm, showMessage } from "./dom.js";
import { t } from "./i18n.js";
import { attachStrengthMeter } from "./strength-meter.js";
import type { UserView } from "./types.js";

export interface PasswordFormOptions {
  form: HTMLFormElement;
  message: HTMLElement;
  /** The user whose password changes. */
  user: () => UserView;
  /** The current password when already known (just typed at sign-in); else the form asks. */
  knownPassword?: () => string | null;
  /**
   * True while the account has no password (passkey-first, issue 24): the form sets the first
   * one (`POST /users/{id}/password/set`) and asks for no current password.
   */
  firstPassword?: () => boolean;
  /** After the change (the server has set a new session cookie). */
  done(user: UserView): void | Promise<void>;
}

/**
 * Wires a form with fields `old_password` (optional when known), `new_password` and
 * `confirm_password` to `PATCH /users/{id}/password/change`, with a strength meter under the
 * new password.
 */
export function wirePasswordForm(options: PasswordFormOptions): void {
  const { form, message } = options;
  // The new password is the signed-in user's own: the server knows its context words.
  attachStrengthMeter(form.elements.namedItem("new_password") as HTMLInputElement);
  handleForm(form, {
    message,
    context: "password-change",
    validate: () => {
      const confirm = form.elements.namedItem("confirm_password") as HTMLInputElement;
      if (fieldValue(form, "new_password", true) !== confirm.value) {
        return { field: confirm, text: t("common.password_mismatch") };
      }
      return null;
    },
    submit: async () => {
      if (options.firstPassword?.() === true) {
        const user = await api<UserView>("POST", userPath(options.user().id, "/password/set"), {
          new_password: fieldValue(form, "new_password", true),
        });
        form.reset();
        showMessage(message, t("common.password_added"), "success");
        await options.done(user);
        return;
      }
      const known = options.knownPassword?.() ?? null;
      const oldPassword = known ?? fieldValue(form, "old_password", true);
      const user = await api<UserView>("PATCH", userPath(options.user().id, "/password/change"), {
        old_password: oldPassword,
        new_password: fieldValue(form, "new_password", true),
      });
      form.reset();
      showMessage(message, t("common.password_changed"), "success");
      await options.done(user);
    },
  });
}
