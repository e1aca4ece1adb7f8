/**
 * The admin page's "Create a user" form: a name, an address, admin or not, and either an
 * initial password (with the strength meter, the new user's name and address as its context
 * words) or an invitation mailed to the address.
 */
import { api } from "../lib/api.js";
import { byId, fieldValue, handleForm, setVisible, showMessage } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { attachStrengthMeter } from "../lib/strength-meter.js";
import type { UserView } from "../lib/types.js";

/** Wires the form; `refresh` reloads the user list and the Activity after a creation. */
export function wireCreateUserForm(refresh: () => Promise<void>): void {
  const form = byId<HTMLFormElement>("create-user-form");
  const message = byId("create-user-message");
  const password = byId<HTMLInputElement>("new-password");
  const inviting = () => byId<HTMLInputElement>("access-invite").checked;
  // "Send invitation": no password here, the person chooses it from the mailed link.
  const showAccess = () => {
    setVisible(!inviting(), byId("new-password-field"));
    setVisible(inviting(), byId("invite-hint"));
    password.disabled = inviting();
  };
  for (const id of ["access-password", "access-invite"]) {
    byId(id).addEventListener("change", showAccess);
  }
  // The initial password is the new user's: their name and email are its context words.
  attachStrengthMeter(password, {
    account: () => ({ name: fieldValue(form, "name"), email: fieldValue(form, "email") }),
  });
  handleForm(form, {
    message,
    submit: async () => {
      const invite = inviting();
      const created = await api<UserView>("POST", "/users/create", {
        name: fieldValue(form, "name"),
        email: fieldValue(form, "email"),
        ...(invite ? { invite: true } : { password: fieldValue(form, "password", true) }),
        is_admin: (form.elements.namedItem("is_admin") as HTMLInputElement).checked,
      });
      form.reset();
      showAccess();
      await refresh();
      showMessage(
        message,
        invite
          ? t("admin.created_invited", { name: created.name, email: created.email })
          : t("admin.created", { name: created.name }),
        "success",
      );
      byId("new-name").focus();
    },
  });
}
