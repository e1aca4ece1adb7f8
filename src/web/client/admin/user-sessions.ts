/**
 * A user's sessions on the admin page, added to the user's entry once read: "N sessions", the
 * sessions themselves (device, address, last active, how) to open below it, and "End sessions"
 * behind a confirmation naming the user.
 */
import { byId, h, handleClick, setVisible } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { actionButton, confirmPanel } from "../lib/item-controls.js";
import { describeSession, endSession, loadSessions } from "../lib/sessions.js";
import type { AdminUserView } from "../lib/types.js";
import { userKey, type UserItemContext } from "./user-item.js";
import { userData } from "./words.js";

/** Reads the sessions of `user` (one the admin may manage) and shows them in its entry. */
export async function showSessionCount(
  user: AdminUserView,
  context: UserItemContext,
): Promise<void> {
  const { me, afterAction } = context;
  if (user.is_admin && user.id !== me.id) return; // refused by the server
  const key = userKey(user);
  const slot = document.getElementById(`sessions-${key}`);
  if (slot === null) return;
  const sessions = await loadSessions(user.id);
  slot.textContent = ` · ${t("admin.session_count", { count: sessions.length })}`;
  if (sessions.length === 0) return;
  const list = h(
    "details",
    { className: "sessions", id: `session-details-${key}` },
    h("summary", {}, t("admin.sessions_of", { name: user.name })),
    h(
      "ul",
      { className: "session-list" },
      ...sessions.map((session) =>
        h(
          "li",
          {},
          session.device === null
            ? h("span", { className: "item-title" }, t("admin.unknown_device"))
            : userData(session.device, "item-title"),
          h("span", { className: "meta" }, describeSession(session)),
        ),
      ),
    ),
  );
  slot.closest(".item-main")?.append(list);
  if (user.id === me.id) return;
  const actions = document.getElementById(`actions-${key}`);
  const button = actionButton(
    t("admin.end_sessions"),
    user.name,
    "secondary",
    `end-sessions-${key}`,
  );
  actions?.prepend(button);
  const confirm = confirmPanel(
    t("admin.confirm_end_sessions", { name: user.name, count: sessions.length }),
    t("admin.end_sessions"),
    "danger",
  );
  actions?.after(confirm.panel);
  const toggle = (asking: boolean) => {
    setVisible(asking, confirm.panel);
    if (actions !== null) setVisible(!asking, actions);
    (asking ? confirm.cancel : button).focus();
  };
  button.addEventListener("click", () => toggle(true));
  confirm.cancel.addEventListener("click", () => toggle(false));
  handleClick(confirm.confirm, byId("users-message"), async () => {
    for (const session of sessions) await endSession(user.id, session.id);
    await afterAction(t("admin.signed_out_everywhere", { name: user.name }), null);
  });
}
