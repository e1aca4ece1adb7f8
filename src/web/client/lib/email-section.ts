/** The account page's email section (issue 12): the address, verified or not, "send again", change. */
import { api } from "./api.js";
import { byId, fieldValue, handleClick, handleForm, setVisible, showMessage } from "./dom.js";
import type { UserView } from "./types.js";

/** Shows `user`'s address and wires the section; `changed` gets the user after a change. */
export function wireEmailSection(user: UserView, changed: (user: UserView) => void): void {
  let current = user;
  const message = byId("email-message");
  const render = () => {
    byId("email-address").textContent = current.email;
    const status = byId("email-status");
    status.textContent = current.email_verified ? "Verified" : "Not verified";
    status.className = current.email_verified ? "badge on" : "badge warn";
    setVisible(!current.email_verified, byId("email-unverified"));
  };
  render();
  handleClick(byId<HTMLButtonElement>("email-resend"), message, async () => {
    await api("POST", "/email/verify/resend", { name: current.name });
    showMessage(message, `A new link is on its way to ${current.email}.`, "success");
  });
  const form = byId<HTMLFormElement>("email-form");
  handleForm(form, {
    message,
    submit: async () => {
      current = await api<UserView>("PATCH", `/users/${encodeURIComponent(current.id)}/email`, {
        email: fieldValue(form, "email"),
      });
      form.reset();
      render();
      changed(current);
      showMessage(
        message,
        `Your address is now ${current.email}. Open the link we sent there to confirm it.`,
        "success",
      );
      byId("email-title").focus();
    },
  });
}
