/**
 * The admin page (`/admin`): find users (search as you type, filters, a page at a time with
 * "More", the count from the server's `X-Total-Count`), create one, promote and demote, lock (with a reason,
 * optionally until a time) and unlock, reset a password, turn off a user's authenticator app,
 * see a user's sessions (device, address, when, how) and end them, delete. Promote, demote,
 * lock, ending sessions and delete ask for confirmation naming the user. The Activity list is
 * read again after every action. Other signed-in users see a clear message instead.
 */
import { showActivity } from "./lib/activity.js";
import { api, apiPage } from "./lib/api.js";
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
import { askForReauthenticationInline } from "./lib/reauthenticate.js";
import {
  MAX_LOCK_REASON_LENGTH,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from "../../contract/limits.js";
import { attachStrengthMeter } from "./lib/strength-meter.js";
import { getMe, goToSignIn } from "./lib/session.js";
import { describeSession, endSession, loadSessions, sessionCountText } from "./lib/sessions.js";
import { describeError, formatDateTime } from "./lib/text.js";
import type { AdminUserView, UserView } from "./lib/types.js";

let me: UserView;
/** The users shown: the pages loaded so far of the current search and filter. */
let users: AdminUserView[] = [];
/** Reads the Activity list again from its first page (set once it is shown). */
let refreshActivity: () => Promise<void> = async () => undefined;
/** The next page of the current search, or null. */
let nextCursor: string | null = null;
/** Counts the list's loads, so an answer to an older search is dropped. */
let listGeneration = 0;
/** Users per page of the list. */
const USERS_PER_PAGE = 50;
/** Wait after the last key press before searching (debounce). */
const SEARCH_DELAY_MS = 250;

async function main(): Promise<void> {
  const user = await getMe();
  if (user === null) return goToSignIn("/admin");
  if (user.must_change_password) return window.location.replace("/?next=/admin");
  // A second factor is owed first (issue 11 item 3): the account page sets it up.
  if (user.two_fa_enrolment_required === true) return window.location.replace("/account");
  me = user;
  renderHeader(me);
  // Acting on another user's factors needs the admin's own recent sign-in: asked inline.
  askForReauthenticationInline();
  setVisible(false, byId("loading"));
  if (!me.is_admin) {
    byId("denied-name").textContent = me.name;
    setVisible(true, byId("admin-denied"));
    return;
  }
  setVisible(true, byId("admin-content"));
  wireCreateForm();
  wireUserSearch();
  await loadUsers();
  const activity = await showActivity(
    "/audit",
    ACTIVITY,
    (id) => users.find((u) => u.id === id)?.name ?? null,
  );
  refreshActivity = activity.reload;
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
      await loadUsers();
      await refreshActivity();
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

/** Search as you type (debounced), the filter, and "More". */
function wireUserSearch(): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reload = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void loadUsers().catch(showListError), SEARCH_DELAY_MS);
  };
  byId<HTMLInputElement>("user-search").addEventListener("input", reload);
  byId<HTMLSelectElement>("user-filter").addEventListener("change", () => {
    clearTimeout(timer);
    void loadUsers().catch(showListError);
  });
  handleClick(byId("users-more"), byId("users-message"), async () => {
    await loadUsers({ more: true });
  });
}

function showListError(error: unknown): void {
  showMessage(byId("users-message"), describeError(error), "error");
}

/** The list's query: the search, the filter (`name=value`), the page size, the cursor. */
function listPath(cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(USERS_PER_PAGE) });
  const q = byId<HTMLInputElement>("user-search").value.trim();
  if (q !== "") query.set("q", q);
  const [filter, value] = byId<HTMLSelectElement>("user-filter").value.split("=");
  if (filter !== undefined && filter !== "" && value !== undefined) query.set(filter, value);
  if (cursor !== null) query.set("cursor", cursor);
  return `/users?${query.toString()}`;
}

/** Loads the first page of the current search (or, with `more`, the next one and appends it). */
async function loadUsers(options: { more?: boolean } = {}): Promise<void> {
  const more = options.more === true && nextCursor !== null;
  const generation = ++listGeneration;
  const page = await apiPage<AdminUserView>(listPath(more ? nextCursor : null));
  if (generation !== listGeneration) return; // a newer search answered or is on its way
  nextCursor = page.nextCursor;
  users = more ? [...users, ...page.items] : page.items;
  if (!more) byId("user-count").textContent = String(page.total ?? users.length);
  const list = byId<HTMLUListElement>("user-list");
  if (more) list.append(...page.items.map(userItem));
  else list.replaceChildren(...page.items.map(userItem));
  setVisible(nextCursor !== null, byId("users-more"));
  setVisible(users.length === 0, byId("users-none"));
  await Promise.all(page.items.map(showSessionCount));
}

/**
 * Adds "N sessions" to a user the admin may manage, the sessions themselves (device, address,
 * last active, how) to open below it, and "End sessions" behind a confirmation naming the user.
 */
async function showSessionCount(user: AdminUserView): Promise<void> {
  if (user.is_admin && user.id !== me.id) return; // refused by the server
  const key = user.id.replace(/[^A-Za-z0-9_-]/g, "_");
  const slot = document.getElementById(`sessions-${key}`);
  if (slot === null) return;
  const sessions = await loadSessions(user.id);
  slot.textContent = ` · ${sessionCountText(sessions.length)}`;
  if (sessions.length === 0) return;
  const list = h(
    "details",
    { className: "sessions", id: `session-details-${key}` },
    h("summary", {}, `Where ${user.name} is signed in`),
    h(
      "ul",
      { className: "session-list" },
      ...sessions.map((session) =>
        h(
          "li",
          {},
          h("span", { className: "item-title" }, session.device ?? "Unknown device"),
          h("span", { className: "meta" }, describeSession(session)),
        ),
      ),
    ),
  );
  slot.closest(".item-main")?.append(list);
  if (user.id === me.id) return;
  const actions = document.getElementById(`actions-${key}`);
  const button = actionButton("End sessions", user.name, "secondary", `end-sessions-${key}`);
  actions?.prepend(button);
  const confirm = confirmPanel(
    `End every session of ${user.name}? They are signed out on every device at once (${sessionCountText(sessions.length)}).`,
    "End sessions",
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
    await afterAction(`${user.name} is signed out everywhere.`, null);
  });
}

/**
 * Reloads the list and the Activity, then says what happened and puts the focus back near
 * where it was.
 */
async function afterAction(text: string, focusId: string | null): Promise<void> {
  await loadUsers();
  await refreshActivity();
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

/** A confirmation step naming the user: the question, a confirm button and Cancel. */
function confirmPanel(question: string, confirmLabel: string, className: string) {
  const confirm = h(
    "button",
    { type: "button", className: `${className} small`, "data-confirm": true },
    confirmLabel,
  );
  const cancel = h(
    "button",
    { type: "button", className: "secondary small", "data-cancel": true },
    "Cancel",
  );
  const panel = h(
    "div",
    { className: "confirm", hidden: true },
    h("p", {}, question),
    h("div", { className: "actions" }, confirm, cancel),
  );
  return { panel, confirm, cancel };
}

/** "Locked until 1 Dec 2026, 09:00: phished" / "Locked until unlocked: phished". */
function lockText(user: AdminUserView): string {
  const until =
    user.locked_until === null ? "until unlocked" : `until ${formatDateTime(user.locked_until)}`;
  return `Locked ${until}: ${user.lock_reason ?? ""}`;
}

function userItem(user: AdminUserView): HTMLLIElement {
  const message = byId("users-message");
  const self = user.id === me.id;
  // The server refuses an admin managing another admin; do not offer what will be refused.
  const manageable = self || !user.is_admin;
  const key = user.id.replace(/[^A-Za-z0-9_-]/g, "_");

  const badges = [
    user.is_admin && h("span", { className: "badge" }, "Admin"),
    self && h("span", { className: "badge" }, "You"),
    user.locked && h("span", { className: "badge warn" }, "Locked"),
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
  const lockLine = user.locked
    ? h("span", { className: "meta" }, h("span", { className: "lock-reason" }, lockText(user)))
    : null;

  const promote = !user.is_admin
    ? actionButton("Make admin", user.name, "secondary", `promote-${key}`)
    : null;
  const demote = user.is_admin
    ? actionButton("Remove admin", user.name, "secondary", `demote-${key}`)
    : null;
  const lock =
    manageable && !self && !user.locked
      ? actionButton("Lock", user.name, "secondary", `lock-${key}`)
      : null;
  const unlock =
    manageable && !self && user.locked
      ? actionButton("Unlock", user.name, "secondary", `unlock-${key}`)
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

  // Lock: the form is the confirmation, naming the user and what happens.
  const lockId = `lock-${key}-form`;
  const lockForm = h(
    "form",
    { className: "inline-form", hidden: true, id: lockId },
    h(
      "p",
      { className: "confirm-question" },
      `Lock ${user.name}? They are signed out everywhere at once and cannot sign in until the lock ends.`,
    ),
    h(
      "div",
      { className: "field" },
      h("label", { for: `${lockId}-reason` }, `Reason for locking ${user.name}`),
      h("input", {
        id: `${lockId}-reason`,
        name: "reason",
        type: "text",
        autocomplete: "off",
        required: true,
        maxlength: String(MAX_LOCK_REASON_LENGTH),
        "aria-describedby": `${lockId}-reason-hint`,
      }),
      h(
        "p",
        { className: "hint", id: `${lockId}-reason-hint` },
        "Shown to admins only, never to the user.",
      ),
    ),
    h(
      "div",
      { className: "field" },
      h("label", { for: `${lockId}-until` }, "Locked until (optional)"),
      h("input", {
        id: `${lockId}-until`,
        name: "until",
        type: "datetime-local",
        "aria-describedby": `${lockId}-until-hint`,
      }),
      h(
        "p",
        { className: "hint", id: `${lockId}-until-hint` },
        "Your local time. Leave empty to lock until someone unlocks the account.",
      ),
    ),
    h(
      "div",
      { className: "actions" },
      h("button", { type: "submit", className: "danger small" }, "Lock account"),
      h("button", { type: "button", className: "secondary small", "data-cancel": true }, "Cancel"),
    ),
  );

  const promoteConfirm = confirmPanel(
    `Make ${user.name} an admin? They can then manage every user who is not an admin.`,
    "Make admin",
    "primary",
  );
  const demoteConfirm = confirmPanel(
    self
      ? `Remove your own admin rights, ${user.name}? You can no longer use this page.`
      : `Remove the admin rights of ${user.name}?`,
    "Remove admin",
    "danger",
  );
  const deleteConfirm = confirmPanel(
    `Delete ${user.name}? This cannot be undone.`,
    "Delete",
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
      h("span", { className: "item-title" }, user.name, ...badges),
      h("span", { className: "meta" }, user.email),
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
    confirm: ReturnType<typeof confirmPanel>,
    action: () => Promise<void>,
  ) => {
    if (button === null) return;
    button.addEventListener("click", () => open(confirm.panel, confirm.cancel));
    confirm.cancel.addEventListener("click", () => close(button));
    handleClick(confirm.confirm, message, action);
  };
  const path = (suffix = "") => `/users/${encodeURIComponent(user.id)}${suffix}`;

  if (inviteAgain !== null) {
    handleClick(inviteAgain, message, async () => {
      await api("POST", path("/invitation"));
      await afterAction(`A new invitation is on its way to ${user.email}.`, inviteAgain.id);
    });
  }
  if (vouch !== null) {
    handleClick(vouch, message, async () => {
      await api("POST", path("/email/verified"));
      await afterAction(`The address of ${user.name} is marked verified.`, null);
    });
  }
  confirmed(promote, promoteConfirm, async () => {
    await api("PATCH", path("/promote"));
    await afterAction(`${user.name} is now an admin.`, null);
  });
  confirmed(demote, demoteConfirm, async () => {
    await api("PATCH", path("/demote"));
    // Without admin rights this page has nothing left to show its user.
    if (self) return window.location.assign("/account");
    await afterAction(`${user.name} is no longer an admin.`, null);
  });
  confirmed(remove, deleteConfirm, async () => {
    await api("DELETE", path());
    await afterAction(`${user.name} is deleted.`, null);
  });
  if (lock !== null) {
    lock.addEventListener("click", () => open(lockForm, lockForm.querySelector("input")));
    lockForm.querySelector("[data-cancel]")?.addEventListener("click", () => close(lock));
    handleForm(lockForm, {
      message,
      validate: () => {
        const field = lockForm.elements.namedItem("until") as HTMLInputElement;
        if (field.value !== "" && !(new Date(field.value).getTime() > Date.now())) {
          return { field, text: "The end of the lock must be in the future." };
        }
        return null;
      },
      submit: async () => {
        const until = fieldValue(lockForm, "until");
        await api("POST", path("/lock"), {
          reason: fieldValue(lockForm, "reason"),
          until: until === "" ? null : new Date(until).toISOString(),
        });
        await afterAction(`${user.name} is locked and signed out everywhere.`, null);
      },
    });
  }
  if (unlock !== null) {
    handleClick(unlock, message, async () => {
      await api("POST", path("/unlock"));
      await afterAction(`${user.name} is unlocked and can sign in again.`, null);
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
        await afterAction(
          `The password of ${user.name} is reset; they must change it at the next sign-in.`,
          reset.id,
        );
      },
    });
  }
  if (totpOff !== null) {
    handleClick(totpOff, message, async () => {
      await api("POST", path("/2fa/totp/disable"));
      await afterAction(`The authenticator app of ${user.name} is turned off.`, null);
    });
  }
  return item;
}

main().catch((error: unknown) => {
  setVisible(false, byId("loading"));
  showMessage(byId("page-message"), describeError(error), "error");
});
