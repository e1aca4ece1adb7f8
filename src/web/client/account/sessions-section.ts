/**
 * The account page's "Where you're signed in": the user's sessions (device, address, when,
 * how), signing out one of them, all the others, or everywhere.
 */
import { api, userPath } from "../lib/api.js";
import { byId, h, handleClick, setVisible, showMessage } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { actionButton } from "../lib/item-controls.js";
import { describeSession, endSession, loadSessions } from "../lib/sessions.js";
import type { SessionView } from "../lib/types.js";
import { userData } from "../lib/words.js";

/** Wires "Sign out all other sessions" and shows the sessions of `userId`. */
export async function wireSessions(userId: string): Promise<void> {
  const message = byId("sessions-message");
  handleClick(byId<HTMLButtonElement>("end-other-sessions"), message, async () => {
    const result = await api<{ ended: number }>("POST", userPath(userId, "/sessions/end-others"));
    await showSessions(userId);
    showMessage(message, t("account.sessions_ended_others", { count: result.ended }), "success");
  });
  await showSessions(userId);
}

/** Wires "Sign out everywhere", which ends this session too and goes to the sign-in page. */
export function wireSignOutEverywhere(): void {
  handleClick(
    byId<HTMLButtonElement>("sign-out-everywhere"),
    byId("sessions-message"),
    async () => {
      await api("POST", "/logout/all");
      window.location.assign("/");
    },
  );
}

async function showSessions(userId: string): Promise<void> {
  const sessions = await loadSessions(userId);
  byId("session-list").replaceChildren(...sessions.map((each) => sessionItem(userId, each)));
  setVisible(
    sessions.some((s) => !s.current),
    byId<HTMLButtonElement>("end-other-sessions"),
  );
}

function sessionItem(userId: string, session: SessionView): HTMLLIElement {
  const device = session.device ?? t("account.session_unknown_device");
  const title = h(
    "span",
    { className: "item-title" },
    session.device === null ? device : userData(device),
  );
  if (session.current) {
    title.append(" ", h("span", { className: "badge on" }, t("account.session_this_device")));
  }
  const item = h(
    "li",
    { className: "item" },
    h(
      "div",
      { className: "item-main" },
      title,
      h("span", { className: "meta" }, describeSession(session)),
    ),
  );
  if (!session.current) {
    const button = actionButton(t("account.session_sign_out"), device, "danger");
    item.append(h("div", { className: "actions" }, button));
    handleClick(button, byId("sessions-message"), async () => {
      await endSession(userId, session.id);
      await showSessions(userId);
      showMessage(byId("sessions-message"), t("account.session_signed_out", { device }), "success");
      byId("sessions-title").focus();
    });
  }
  item.dataset.id = session.id;
  return item;
}
