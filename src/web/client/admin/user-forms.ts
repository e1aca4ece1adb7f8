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
import { t } from "../lib/i18n.js";
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
      h("label", { for: resetId }, t("admin.new_password_for", { name: user.name })),
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
        t("admin.reset_hint", { min: MIN_PASSWORD_LENGTH, name: user.name }),
      ),
    ),
    inlineFormActions(t("admin.set_password"), "primary"),
  );
}

/** Lock: the form is the confirmation, naming the user and what happens (`reason`, `until`). */
export function lockForm(user: AdminUserView, key: string): HTMLFormElement {
  const lockId = `lock-${key}-form`;
  return h(
    "form",
    { className: "inline-form", hidden: true, id: lockId },
    h("p", { className: "confirm-question" }, t("admin.lock_question", { name: user.name })),
    h(
      "div",
      { className: "field" },
      h("label", { for: `${lockId}-reason` }, t("admin.lock_reason", { name: user.name })),
      h("input", {
        id: `${lockId}-reason`,
        name: "reason",
        type: "text",
        autocomplete: "off",
        required: true,
        maxlength: String(MAX_LOCK_REASON_LENGTH),
        "aria-describedby": `${lockId}-reason-hint`,
      }),
      h("p", { className: "hint", id: `${lockId}-reason-hint` }, t("admin.lock_reason_hint")),
    ),
    h(
      "div",
      { className: "field" },
      h("label", { for: `${lockId}-until` }, t("admin.lock_until")),
      h("input", {
        id: `${lockId}-until`,
        name: "until",
        type: "datetime-local",
        "aria-describedby": `${lockId}-until-hint`,
      }),
      h("p", { className: "hint", id: `${lockId}-until-hint` }, t("admin.lock_until_hint")),
    ),
    inlineFormActions(t("admin.lock_account"), "danger"),
  );
}

/** The lock form's own check: an end, when given, must be in the future. */
export function checkLockEnd(form: HTMLFormElement): { field: HTMLElement; text: string } | null {
  const field = form.elements.namedItem("until") as HTMLInputElement;
  if (field.value !== "" && !(new Date(field.value).getTime() > Date.now())) {
    return { field, text: t("admin.lock_end_in_past") };
  }
  return null;
}
