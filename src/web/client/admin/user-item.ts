/**
 * A user's entry in the admin page's list: the name, badges and details, and the actions the
 * admin may take on that user (send the invitation again, mark the address verified, promote
 * and demote, lock and unlock, reset the password, turn off the authenticator app, delete).
 * Promote, demote and delete ask for a confirmation naming the user; lock and reset open their
 * inline forms (./user-forms.ts). The user's sessions are added by ./user-sessions.ts.
 */
import { api, userPath } from "../lib/api.js";
import { byId, fieldValue, h, handleClick, handleForm, setVisible } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { actionButton, confirmPanel, type ConfirmPanel } from "../lib/item-controls.js";
import { attachStrengthMeter } from "../lib/strength-meter.js";
import type { AdminUserView, UserView } from "../lib/types.js";
import { checkLockEnd, lockForm as buildLockForm, resetPasswordForm } from "./user-forms.js";
import { timeOf, userData } from "./words.js";

/** What a user's entry needs from the page. */
export interface UserItemContext {
  /** The signed-in admin. */
  me: UserView;
  /**
   * After an action: reloads the list and the Activity, says `text`, and puts the focus on the
   * element `focusId` (when it is still there) or on the list's title.
   */
  afterAction(text: string, focusId: string | null): Promise<void>;
}

/** A user's id as it goes into element ids (`promote-<key>`): other characters become `_`. */
export function userKey(user: AdminUserView): string {
  return user.id.replace(/[^A-Za-z0-9_-]/g, "_");
}

/** "Locked until 1 Dec 2026, 09:00: phished" / "Locked until unlocked: phished". */
function lockText(user: AdminUserView): (Node | string)[] {
  const until =
    user.locked_until === null
      ? [t("admin.locked_until_unlocked")]
      : [t("admin.locked_until"), " ", timeOf(user.locked_until)];
  return [...until, ": ", userData(user.lock_reason ?? "")];
}

/** The entry of `user`, its actions wired. */
export function userItem(user: AdminUserView, context: UserItemContext): HTMLLIElement {
  const { me, afterAction } = context;
  const message = byId("users-message");
  const self = user.id === me.id;
  // The server refuses an admin managing another admin; do not offer what will be refused.
  const manageable = self || !user.is_admin;
  const key = userKey(user);

  const badges = [
    user.is_admin && h("span", { className: "badge" }, t("admin.badge_admin")),
    self && h("span", { className: "badge" }, t("admin.badge_you")),
    user.locked && h("span", { className: "badge warn" }, t("admin.badge_locked")),
    user.must_change_password &&
      h("span", { className: "badge warn" }, t("admin.badge_must_change_password")),
    user.invitation_pending === true &&
      h("span", { className: "badge warn" }, t("admin.badge_invited")),
    !user.email_verified &&
      user.invitation_pending !== true &&
      h("span", { className: "badge" }, t("admin.badge_email_not_verified")),
  ];
  const details = h(
    "span",
    { className: "meta" },
    t(user.totp_enabled ? "admin.totp_on" : "admin.totp_off"),
    " · ",
    t("admin.last_sign_in"),
    " ",
    timeOf(user.last_login_at),
    h("span", { id: `sessions-${key}` }),
  );
  const lockLine = user.locked
    ? h("span", { className: "meta" }, h("span", { className: "lock-reason" }, ...lockText(user)))
    : null;

  const promote = !user.is_admin
    ? actionButton(t("admin.make_admin"), user.name, "secondary", `promote-${key}`)
    : null;
  const demote = user.is_admin
    ? actionButton(t("admin.remove_admin"), user.name, "secondary", `demote-${key}`)
    : null;
  const lock =
    manageable && !self && !user.locked
      ? actionButton(t("admin.lock"), user.name, "secondary", `lock-${key}`)
      : null;
  const unlock =
    manageable && !self && user.locked
      ? actionButton(t("admin.unlock"), user.name, "secondary", `unlock-${key}`)
      : null;
  const reset =
    manageable && !self
      ? actionButton(t("admin.reset_password"), user.name, "secondary", `reset-${key}`)
      : null;
  const totpOff =
    manageable && !self && user.totp_enabled
      ? actionButton(t("admin.turn_off_totp"), user.name, "secondary", `totp-${key}`)
      : null;
  const remove =
    manageable && !self
      ? actionButton(t("admin.delete"), user.name, "danger", `delete-${key}`)
      : null;
  const inviteAgain =
    manageable && !self && user.invitation_pending === true
      ? actionButton(
          t("admin.send_again"),
          t("admin.invitation_of", { name: user.name }),
          "secondary",
          `invite-${key}`,
        )
      : null;
  const vouch =
    manageable && !user.email_verified && user.invitation_pending !== true
      ? actionButton(t("admin.mark_email_verified"), user.name, "secondary", `verify-${key}`)
      : null;
  const buttons = [
    inviteAgain,
    vouch,
    promote,
    demote,
    lock,
    unlock,
    reset,
    totpOff,
    remove,
  ].filter((button): button is HTMLButtonElement => button !== null);
  const actions = h("div", { className: "actions", id: `actions-${key}` }, ...buttons);

  // Reset password: an inline form, with the strength meter for this user's password.
  const resetForm = resetPasswordForm(user, key);
  // Lock: the form is the confirmation, naming the user and what happens.
  const lockForm = buildLockForm(user, key);

  const promoteConfirm = confirmPanel(
    t("admin.confirm_make_admin", { name: user.name }),
    t("admin.make_admin"),
    "primary",
  );
  const demoteConfirm = confirmPanel(
    self
      ? t("admin.confirm_remove_own_admin", { name: user.name })
      : t("admin.confirm_remove_admin", { name: user.name }),
    t("admin.remove_admin"),
    "danger",
  );
  const deleteConfirm = confirmPanel(
    t("admin.confirm_delete_user", { name: user.name }),
    t("admin.delete"),
    "danger",
  );
  const panels = [
    resetForm,
    lockForm,
    promoteConfirm.panel,
    demoteConfirm.panel,
    deleteConfirm.panel,
  ];

  const item = h(
    "li",
    { className: "item" },
    h(
      "div",
      { className: "item-main" },
      h("span", { className: "item-title" }, userData(user.name), ...badges),
      userData(user.email, "meta"),
      details,
      lockLine,
    ),
    actions,
    ...panels,
  );

  const open = (panel: HTMLElement, focus: HTMLElement | null) => {
    setVisible(false, actions, ...panels);
    setVisible(true, panel);
    focus?.focus();
  };
  const close = (back: HTMLElement | null) => {
    setVisible(false, ...panels);
    setVisible(true, actions);
    back?.focus();
  };
  /** Wires a button that opens a confirmation whose confirm button runs `action`. */
  const confirmed = (
    button: HTMLButtonElement | null,
    confirm: ConfirmPanel,
    action: () => Promise<void>,
  ) => {
    if (button === null) return;
    button.addEventListener("click", () => open(confirm.panel, confirm.cancel));
    confirm.cancel.addEventListener("click", () => close(button));
    handleClick(confirm.confirm, message, action);
  };
  const path = (suffix = "") => userPath(user.id, suffix);

  if (inviteAgain !== null) {
    handleClick(inviteAgain, message, async () => {
      await api("POST", path("/invitation"));
      await afterAction(t("admin.invitation_sent", { email: user.email }), inviteAgain.id);
    });
  }
  if (vouch !== null) {
    handleClick(vouch, message, async () => {
      await api("POST", path("/email/verified"));
      await afterAction(t("admin.email_marked_verified", { name: user.name }), null);
    });
  }
  confirmed(promote, promoteConfirm, async () => {
    await api("PATCH", path("/promote"));
    await afterAction(t("admin.made_admin", { name: user.name }), null);
  });
  confirmed(demote, demoteConfirm, async () => {
    await api("PATCH", path("/demote"));
    // Without admin rights this page has nothing left to show its user.
    if (self) return window.location.assign("/account");
    await afterAction(t("admin.removed_admin", { name: user.name }), null);
  });
  confirmed(remove, deleteConfirm, async () => {
    await api("DELETE", path());
    await afterAction(t("admin.user_deleted", { name: user.name }), null);
  });
  if (lock !== null) {
    lock.addEventListener("click", () => open(lockForm, lockForm.querySelector("input")));
    lockForm.querySelector("[data-cancel]")?.addEventListener("click", () => close(lock));
    handleForm(lockForm, {
      message,
      validate: checkLockEnd,
      submit: async () => {
        const until = fieldValue(lockForm, "until");
        await api("POST", path("/lock"), {
          reason: fieldValue(lockForm, "reason"),
          until: until === "" ? null : new Date(until).toISOString(),
        });
        await afterAction(t("admin.user_locked", { name: user.name }), null);
      },
    });
  }
  if (unlock !== null) {
    handleClick(unlock, message, async () => {
      await api("POST", path("/unlock"));
      await afterAction(t("admin.user_unlocked", { name: user.name }), null);
    });
  }
  if (reset !== null) {
    reset.addEventListener("click", () => open(resetForm, resetForm.querySelector("input")));
    resetForm.querySelector("[data-cancel]")?.addEventListener("click", () => close(reset));
    attachStrengthMeter(resetForm.querySelector("input") as HTMLInputElement, {
      account: () => ({ name: user.name, email: user.email }),
    });
    handleForm(resetForm, {
      message,
      submit: async () => {
        await api("PATCH", path("/password/reset"), {
          new_password: fieldValue(resetForm, "new_password", true),
        });
        await afterAction(t("admin.password_reset", { name: user.name }), reset.id);
      },
    });
  }
  if (totpOff !== null) {
    handleClick(totpOff, message, async () => {
      await api("POST", path("/2fa/totp/disable"));
      await afterAction(t("admin.totp_turned_off", { name: user.name }), null);
    });
  }
  return item;
}
