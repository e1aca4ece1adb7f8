/**
 * The account page's email section (issue 12): the address, verified or not, "send again",
 * change. It says "open the link we sent" only when `GET /users/{id}/email` says a link was
 * mailed and still works, and asks for a real address when the current one cannot receive mail
 * (issue 18).
 */
import { api, userPath } from "./api.js";
import { byId, fieldValue, handleClick, handleForm, setVisible, showMessage } from "./dom.js";
import { t } from "./i18n.js";
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
    status.textContent = t(
      current.email_verified ? "common.email_verified" : "common.email_not_verified",
    );
    status.className = current.email_verified ? "badge on" : "badge warn";
    const deliverable = current.email_deliverable;
    setVisible(!deliverable, byId("email-undeliverable"));
    setVisible(!current.email_verified && deliverable, byId("email-unverified"));
    setVisible(current.email_verification_sent, byId("email-link-sent"));
    setVisible(!current.email_verification_sent, byId("email-link-none"));
    resend.textContent = t(
      current.email_verification_sent ? "common.email_send_again" : "common.email_send_link",
    );
  };
  /** Reads the address's state again (after a change or a new link). */
  const refresh = async () => {
    current = await readEmailState(user);
    render();
  };
  render();
  handleClick(resend, message, async () => {
    await api("POST", "/email/verify/resend", { name: user.name });
    showMessage(message, t("common.email_link_sent", { email: current.email }), "success");
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
        t(
          current.email_verification_sent ? "common.email_changed_confirm" : "common.email_changed",
          { email: updated.email },
        ),
        "success",
      );
      byId("email-title").focus();
    },
  });
}
