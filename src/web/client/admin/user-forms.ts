/**
 * The inline forms of a user's entry on the admin page: a new password for the user (reset),
 * and the lock, whose form is its confirmation (the reason, optionally an end). Built here,
 * hidden; ./user-item.ts opens and submits them.
 */
import {
  MAX_LOCK_REASON_LENGTH,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from "../../../contract/limits.js";
import { h } from "../lib/dom.js";
import { inlineFormActions } from "../lib/item-controls.js";
import type { AdminUserView } from "../lib/types.js";

/** Reset password: the new password of `user` (field `new_password`). */
export function resetPasswordForm(user: AdminUserView, key: string): HTMLFormElement {
  const resetId = `reset-password-${key}`;
  return h(
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
    inlineFormActions("Set password", "primary"),
  );
}

/** Lock: the form is the confirmation, naming the user and what happens (`reason`, `until`). */
export function lockForm(user: AdminUserView, key: string): HTMLFormElement {
  const lockId = `lock-${key}-form`;
  return h(
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
    inlineFormActions("Lock account", "danger"),
  );
}

/** The lock form's own check: an end, when given, must be in the future. */
export function checkLockEnd(form: HTMLFormElement): { field: HTMLElement; text: string } | null {
  const field = form.elements.namedItem("until") as HTMLInputElement;
  if (field.value !== "" && !(new Date(field.value).getTime() > Date.now())) {
    return { field, text: "The end of the lock must be in the future." };
  }
  return null;
}
