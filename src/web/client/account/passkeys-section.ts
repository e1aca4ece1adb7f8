/**
 * The account page's passkeys: the list (added, last used, synced), add one (the browser's
 * WebAuthn call through ../lib/passkeys.ts), rename one inline, remove one after a
 * confirmation.
 */
import { MAX_PASSKEY_NAME_LENGTH } from "../../../contract/limits.js";
import { api, ApiError, userPath } from "../lib/api.js";
import {
  byId,
  fieldValue,
  h,
  handleClick,
  handleForm,
  setVisible,
  showMessage,
} from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { actionButton, confirmPanel, inlineFormActions } from "../lib/item-controls.js";
import { createPasskey, explainedPasskeyCall, passkeysSupported } from "../lib/passkeys.js";
import { describeError } from "../lib/text.js";
import type { PasskeyView } from "../lib/types.js";
import { updateContinueNotice } from "./continue-section.js";
import { updateRecoveryCodes } from "./recovery-codes-section.js";
import type { AccountState } from "./state.js";
import { timeOf, tNodes, userData } from "../lib/words.js";

/** Wires the passkeys section; resolves once the list is shown (or could not be). */
export function wirePasskeys(state: AccountState): Promise<void> {
  const message = byId("passkey-message");
  const form = byId<HTMLFormElement>("passkey-add-form");
  if (!passkeysSupported()) {
    setVisible(false, form);
    showMessage(message, t("account.passkeys_unsupported"), "info");
  }
  handleForm(form, {
    message,
    context: "passkey",
    submit: async () => {
      const name = fieldValue(form, "name");
      const options = await api<Record<string, unknown>>(
        "POST",
        userPath(state.me.id, "/2fa/webauthn/register/options"),
      );
      const response = await explainedPasskeyCall(() => createPasskey(options));
      await api("POST", userPath(state.me.id, "/2fa/webauthn/register/verify"), {
        response,
        name,
      });
      form.reset();
      if (state.me.two_fa_enrolment_required === true) return window.location.reload();
      await loadPasskeys(state);
      updateRecoveryCodes(state); // a first factor allows them
      showMessage(message, t("account.passkey_added_message", { name }), "success");
      if (updateContinueNotice(state)) byId("continue-title").focus();
    },
  });
  // Owing a factor means having no passkey (and the list is closed until one is set up).
  if (state.me.two_fa_enrolment_required === true) return Promise.resolve();
  return loadPasskeys(state).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) {
      setVisible(false, form, byId("passkey-empty"));
      showMessage(message, t("account.passkeys_disabled"), "info");
      return;
    }
    showMessage(message, describeError(error), "error");
  });
}

/** Reads the passkeys, counts them in `state` and shows them. */
async function loadPasskeys(state: AccountState): Promise<void> {
  const passkeys = await api<PasskeyView[]>("GET", userPath(state.me.id, "/2fa/webauthn"));
  state.passkeyCount = passkeys.length;
  const list = byId<HTMLUListElement>("passkey-list");
  list.replaceChildren(...passkeys.map((passkey) => passkeyItem(state, passkey)));
  setVisible(passkeys.length === 0, byId("passkey-empty"));
  setVisible(passkeys.length > 0, list);
}

function passkeyItem(state: AccountState, passkey: PasskeyView): HTMLLIElement {
  const message = byId("passkey-message");
  const path = userPath(state.me.id, `/2fa/webauthn/${encodeURIComponent(passkey.id)}`);
  const details = h(
    "span",
    { className: "meta" },
    ...tNodes("account.passkey_added", { when: timeOf(passkey.created_at) }),
    " · ",
    ...(passkey.last_used_at === null
      ? [t("account.passkey_never_used")]
      : tNodes("account.passkey_last_used", { when: timeOf(passkey.last_used_at) })),
  );
  if (passkey.backed_up === true) details.append(" · ", t("account.passkey_synced"));
  const renameLabel = t("account.rename");
  const renameButton = actionButton(renameLabel, passkey.name, "secondary");
  const removeButton = actionButton(t("account.remove"), passkey.name, "danger");
  const actions = h("div", { className: "actions" }, renameButton, removeButton);

  const inputId = `rename-${passkey.id}`;
  const renameForm = h(
    "form",
    { className: "inline-form", hidden: true },
    h(
      "div",
      { className: "field" },
      h("label", { for: inputId }, t("account.passkey_new_name", { name: passkey.name })),
      h("input", {
        id: inputId,
        name: "name",
        required: true,
        maxlength: String(MAX_PASSKEY_NAME_LENGTH),
        autocomplete: "off",
        value: passkey.name,
      }),
    ),
    inlineFormActions(t("account.save"), "primary"),
  );
  const confirmRemove = confirmPanel(
    t("account.passkey_remove_question", { name: passkey.name }),
    t("account.remove"),
    "danger",
  );
  const item = h(
    "li",
    { className: "item" },
    h(
      "div",
      { className: "item-main" },
      h("span", { className: "item-title" }, userData(passkey.name)),
      details,
    ),
    actions,
    renameForm,
    confirmRemove.panel,
  );

  const closePanels = (focus: HTMLElement) => {
    setVisible(false, renameForm, confirmRemove.panel);
    setVisible(true, actions);
    focus.focus();
  };
  renameButton.addEventListener("click", () => {
    setVisible(false, actions);
    setVisible(true, renameForm);
    renameForm.querySelector("input")?.select();
  });
  renameForm
    .querySelector("[data-cancel]")
    ?.addEventListener("click", () => closePanels(renameButton));
  handleForm(renameForm, {
    message,
    submit: async () => {
      const name = fieldValue(renameForm, "name");
      await api("PATCH", path, { name });
      await loadPasskeys(state);
      showMessage(message, t("account.passkey_renamed", { name }), "success");
      focusItemAction(passkey.id, renameLabel);
    },
  });

  removeButton.addEventListener("click", () => {
    setVisible(false, actions);
    setVisible(true, confirmRemove.panel);
    confirmRemove.confirm.focus();
  });
  confirmRemove.cancel.addEventListener("click", () => closePanels(removeButton));
  handleClick(confirmRemove.confirm, message, async () => {
    await api("DELETE", path);
    await loadPasskeys(state);
    updateRecoveryCodes(state); // the last factor takes the codes with it
    updateContinueNotice(state);
    showMessage(message, t("account.passkey_removed", { name: passkey.name }), "success");
    byId("passkeys-title").focus();
  });
  item.dataset.id = passkey.id;
  return item;
}

/** After a re-render, puts the focus back on the same action of the same passkey. */
function focusItemAction(id: string, label: string): void {
  const item = Array.from(byId("passkey-list").children).find(
    (child) => (child as HTMLElement).dataset.id === id,
  );
  const button = Array.from(item?.querySelectorAll("button") ?? []).find((each) =>
    each.textContent?.startsWith(label),
  );
  button?.focus();
}
