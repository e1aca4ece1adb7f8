/**
 * The account page's email section (issue 12): the address, verified or not, "send again",
 * change. It says "open the link we sent" only when `GET /users/{id}/email` says a link was
 * mailed and still works, and asks for a real address when the current one cannot receive mail
 * (issue 18).
 */
import { api, userPath } from "./api.js";
import { byId, fieldValue, handleClick, handleForm, setVisible, showMessage } from "./dom.js";
import type { EmailStateView, UserView } from "./types.js";

/** The address's state, as the server tells it. */
function readEmailState(user: Pick<UserView, "id">): Promise<EmailStateView> {
  return api<EmailStateView>("GET", userPath(user.id, "/email"));
}

/** Shows `user`'s address and wires the section; `changed` gets the user after a change. */
export async function wireEmailSection(
  user: UserView,
  changed: (user: UserView) => void,
): Promise<void> {
  let current = await readEmailState(user);
  const message = byId("email-message");
  const resend = byId<HTMLButtonElement>("email-resend");
  const render = () => {
    byId("email-address").textContent = current.email;
    const status = byId("email-status");
    status.textContent = current.email_verified ? "Verified" : "Not verified";
    status.className = current.email_verified ? "badge on" : "badge warn";
    const deliverable = current.email_deliverable;
    setVisible(!deliverable, byId("email-undeliverable"));
    setVisible(!current.email_verified && deliverable, byId("email-unverified"));
    setVisible(current.email_verification_sent, byId("email-link-sent"));
    setVisible(!current.email_verification_sent, byId("email-link-none"));
    resend.textContent = current.email_verification_sent ? "Send the link again" : "Send a link";
  };
  /** Reads the address's state again (after a change or a new link). */
  const refresh = async () => {
    current = await readEmailState(user);
    render();
  };
  render();
  handleClick(resend, message, async () => {
    await api("POST", "/email/verify/resend", { name: user.name });
    showMessage(message, `A new link is on its way to ${current.email}.`, "success");
    // Queued just after the answer (the same answer whether or not a mail goes): the account
    // is this one and its address is not verified, so one goes.
    current = { ...current, email_verification_sent: true };
    render();
  });
  const form = byId<HTMLFormElement>("email-form");
  handleForm(form, {
    message,
    submit: async () => {
      const updated = await api<UserView>("PATCH", userPath(user.id, "/email"), {
        email: fieldValue(form, "email"),
      });
      form.reset();
      await refresh();
      changed(updated);
      showMessage(
        message,
        current.email_verification_sent
          ? `Your address is now ${updated.email}. Open the link we sent there to confirm it.`
          : `Your address is now ${updated.email}.`,
        "success",
      );
      byId("email-title").focus();
    },
  });
}
