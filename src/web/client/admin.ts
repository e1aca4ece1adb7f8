/**
 * The admin page (`/admin`): list users, create one, promote, reset a password, turn off a
 * user's authenticator app, see and end a user's sessions, delete. Other signed-in users see a
 * clear message instead.
 */
import { showActivity } from "./lib/activity.js";
import { api } from "./lib/api.js";
import {
  byId,
  fieldValue,
  h,
  handleClick,
  handleForm,
  hiddenText,
  setVisible,
  showMessage,
} from "./lib/dom.js";
import { renderHeader } from "./lib/header.js";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../../contract/limits.js";
import { getMe, goToSignIn } from "./lib/session.js";
import { endSession, loadSessions, sessionCountText } from "./lib/sessions.js";
import { describeError, formatDateTime } from "./lib/text.js";
import type { UserView } from "./lib/types.js";

let me: UserView;
let users: UserView[] = [];

async function main(): Promise<void> {
  const user = await getMe();
  if (user === null) return goToSignIn("/admin");
  if (user.must_change_password) return window.location.replace("/?next=/admin");
  me = user;
  renderHeader(me);
  setVisible(false, byId("loading"));
  if (!me.is_admin) {
    byId("denied-name").textContent = me.name;
    setVisible(true, byId("admin-denied"));
    return;
  }
  setVisible(true, byId("admin-content"));
  wireCreateForm();
  await loadUsers();
  await showActivity("/audit", ACTIVITY, (id) => users.find((u) => u.id === id)?.name ?? null);
}

const ACTIVITY = { list: "activity-list", more: "activity-more", message: "activity-message" };

function wireCreateForm(): void {
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
      await loadUsers();
      showMessage(
        message,
        invite
          ? `Created ${created.name} and sent the invitation to ${created.email}.`
          : `Created ${created.name}. They must choose a new password when they first sign in.`,
        "success",
      );
      byId("new-name").focus();
    },
  });
}

async function loadUsers(): Promise<void> {
  users = await api<UserView[]>("GET", "/users");
  users.sort((a, b) => a.name.localeCompare(b.name));
  byId("user-count").textContent = String(users.length);
  byId<HTMLUListElement>("user-list").replaceChildren(...users.map(userItem));
  await Promise.all(users.map(showSessionCount));
}

/** Adds "N sessions" (and "End sessions") to a user the admin may manage. */
async function showSessionCount(user: UserView): Promise<void> {
  if (user.is_admin && user.id !== me.id) return; // refused by the server
  const key = user.id.replace(/[^A-Za-z0-9_-]/g, "_");
  const slot = document.getElementById(`sessions-${key}`);
  if (slot === null) return;
  const sessions = await loadSessions(user.id);
  slot.textContent = ` · ${sessionCountText(sessions.length)}`;
  if (user.id === me.id || sessions.length === 0) return;
  const button = actionButton("End sessions", user.name, "secondary", `end-sessions-${key}`);
  document.getElementById(`actions-${key}`)?.prepend(button);
  handleClick(button, byId("users-message"), async () => {
    for (const session of sessions) await endSession(user.id, session.id);
    await afterAction(`${user.name} is signed out everywhere.`, null);
  });
}

/** Reloads the list, then says what happened and puts the focus back near where it was. */
async function afterAction(text: string, focusId: string | null): Promise<void> {
  await loadUsers();
  showMessage(byId("users-message"), text, "success");
  const target = focusId === null ? null : document.getElementById(focusId);
  (target ?? byId("users-title")).focus();
}

function actionButton(label: string, name: string, className: string, id: string) {
  return h(
    "button",
    { type: "button", className: `${className} small`, id },
    label,
    hiddenText(` ${name}`),
  );
}

function userItem(user: UserView): HTMLLIElement {
  const message = byId("users-message");
  const self = user.id === me.id;
  // The server refuses an admin managing another admin; do not offer what will be refused.
  const manageable = self || !user.is_admin;
  const key = user.id.replace(/[^A-Za-z0-9_-]/g, "_");

  const badges = [
    user.is_admin && h("span", { className: "badge" }, "Admin"),
    self && h("span", { className: "badge" }, "You"),
    user.must_change_password && h("span", { className: "badge warn" }, "Must change password"),
    user.invitation_pending === true && h("span", { className: "badge warn" }, "Invited"),
    !user.email_verified &&
      user.invitation_pending !== true &&
      h("span", { className: "badge" }, "Email not verified"),
  ];
  const details = h(
    "span",
    { className: "meta" },
    `Authenticator app ${user.totp_enabled ? "on" : "off"} · Last sign-in ${formatDateTime(user.last_login_at)}`,
    h("span", { id: `sessions-${key}` }),
  );

  const buttons: HTMLButtonElement[] = [];
  const promote = !user.is_admin
    ? actionButton("Make admin", user.name, "secondary", `promote-${key}`)
    : null;
  const reset =
    manageable && !self
      ? actionButton("Reset password", user.name, "secondary", `reset-${key}`)
      : null;
  const totpOff =
    manageable && !self && user.totp_enabled
      ? actionButton("Turn off authenticator app", user.name, "secondary", `totp-${key}`)
      : null;
  const remove =
    manageable && !self ? actionButton("Delete", user.name, "danger", `delete-${key}`) : null;
  const inviteAgain =
    manageable && !self && user.invitation_pending === true
      ? actionButton("Send again", `the invitation of ${user.name}`, "secondary", `invite-${key}`)
      : null;
  const vouch =
    manageable && !user.email_verified && user.invitation_pending !== true
      ? actionButton("Mark email verified", user.name, "secondary", `verify-${key}`)
      : null;
  for (const button of [inviteAgain, vouch, promote, reset, totpOff, remove]) {
    if (button !== null) buttons.push(button);
  }
  const actions = h("div", { className: "actions", id: `actions-${key}` }, ...buttons);

  // Reset password: an inline form.
  const resetId = `reset-password-${key}`;
  const resetForm = h(
    "form",
    { className: "inline-form", hidden: true },
    h(
      "div",
      { className: "field" },
      h("label", { for: resetId }, `New password for ${user.name}`),
      h("input", {
        id: resetId,
        name: "new_password",
        type: "password",
        autocomplete: "new-password",
        required: true,
        minlength: String(MIN_PASSWORD_LENGTH),
        maxlength: String(MAX_PASSWORD_LENGTH),
        "aria-describedby": `${resetId}-hint`,
      }),
      h(
        "p",
        { className: "hint", id: `${resetId}-hint` },
        `At least ${MIN_PASSWORD_LENGTH} characters. ${user.name} must change it at the next sign-in, and is signed out everywhere now.`,
      ),
    ),
    h(
      "div",
      { className: "actions" },
      h("button", { type: "submit", className: "primary small" }, "Set password"),
      h("button", { type: "button", className: "secondary small", "data-cancel": true }, "Cancel"),
    ),
  );
  // Delete: a confirmation step.
  const confirmDelete = h(
    "div",
    { className: "confirm", hidden: true },
    h("p", {}, `Delete ${user.name}? This cannot be undone.`),
    h(
      "div",
      { className: "actions" },
      h("button", { type: "button", className: "danger small", "data-confirm": true }, "Delete"),
      h("button", { type: "button", className: "secondary small", "data-cancel": true }, "Cancel"),
    ),
  );

  const item = h(
    "li",
    { className: "item" },
    h(
      "div",
      { className: "item-main" },
      h("span", { className: "item-title" }, user.name, ...badges),
      h("span", { className: "meta" }, user.email),
      details,
    ),
    actions,
    resetForm,
    confirmDelete,
  );

  const open = (panel: HTMLElement, focus: HTMLElement | null) => {
    setVisible(false, actions);
    setVisible(true, panel);
    focus?.focus();
  };
  const close = (back: HTMLElement | null) => {
    setVisible(false, resetForm, confirmDelete);
    setVisible(true, actions);
    back?.focus();
  };

  if (inviteAgain !== null) {
    handleClick(inviteAgain, message, async () => {
      await api("POST", `/users/${encodeURIComponent(user.id)}/invitation`);
      await afterAction(`A new invitation is on its way to ${user.email}.`, inviteAgain.id);
    });
  }
  if (vouch !== null) {
    handleClick(vouch, message, async () => {
      await api("POST", `/users/${encodeURIComponent(user.id)}/email/verified`);
      await afterAction(`The address of ${user.name} is marked verified.`, null);
    });
  }
  if (promote !== null) {
    handleClick(promote, message, async () => {
      await api("PATCH", `/users/${encodeURIComponent(user.id)}/promote`);
      await afterAction(`${user.name} is now an admin.`, null);
    });
  }
  if (reset !== null) {
    reset.addEventListener("click", () => open(resetForm, resetForm.querySelector("input")));
    resetForm.querySelector("[data-cancel]")?.addEventListener("click", () => close(reset));
    handleForm(resetForm, {
      message,
      submit: async () => {
        await api("PATCH", `/users/${encodeURIComponent(user.id)}/password/reset`, {
          new_password: fieldValue(resetForm, "new_password", true),
        });
        await afterAction(
          `The password of ${user.name} is reset; they must change it at the next sign-in.`,
          reset.id,
        );
      },
    });
  }
  if (totpOff !== null) {
    handleClick(totpOff, message, async () => {
      await api("POST", `/users/${encodeURIComponent(user.id)}/2fa/totp/disable`);
      await afterAction(`The authenticator app of ${user.name} is turned off.`, null);
    });
  }
  if (remove !== null) {
    remove.addEventListener("click", () =>
      open(confirmDelete, confirmDelete.querySelector("[data-cancel]")),
    );
    confirmDelete.querySelector("[data-cancel]")?.addEventListener("click", () => close(remove));
    const confirmButton = confirmDelete.querySelector<HTMLButtonElement>("[data-confirm]");
    if (confirmButton !== null) {
      handleClick(confirmButton, message, async () => {
        await api("DELETE", `/users/${encodeURIComponent(user.id)}`);
        await afterAction(`${user.name} is deleted.`, null);
      });
    }
  }
  return item;
}

main().catch((error: unknown) => {
  setVisible(false, byId("loading"));
  showMessage(byId("page-message"), describeError(error), "error");
});
