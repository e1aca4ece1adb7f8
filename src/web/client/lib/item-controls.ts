/**
 * The controls of an entry in a list (a user on the admin page; a passkey or a session on the
 * account page): a small action button that names its entry to screen readers, a confirmation
 * step, and the buttons of an inline form.
 */
import { h, hiddenText } from "./dom.js";
import { t } from "./i18n.js";

/**
 * A small action button (`className` and `small`), its `label` followed by `name` as hidden
 * text, so screen readers tell "Remove Laptop" from "Remove Phone".
 */
export function actionButton(
  label: string,
  name: string,
  className: string,
  id?: string,
): HTMLButtonElement {
  return h(
    "button",
    { type: "button", className: `${className} small`, id },
    label,
    hiddenText(` ${name}`),
  );
}

/** A confirmation step, hidden at first: its panel, its confirm button and Cancel. */
export interface ConfirmPanel {
  panel: HTMLDivElement;
  confirm: HTMLButtonElement;
  cancel: HTMLButtonElement;
}

/** A confirmation step: the question, a confirm button (`data-confirm`) and Cancel. */
export function confirmPanel(
  question: string,
  confirmLabel: string,
  className: string,
): ConfirmPanel {
  const confirm = h(
    "button",
    { type: "button", className: `${className} small`, "data-confirm": true },
    confirmLabel,
  );
  const cancel = cancelButton();
  const panel = h(
    "div",
    { className: "confirm", hidden: true },
    h("p", {}, question),
    h("div", { className: "actions" }, confirm, cancel),
  );
  return { panel, confirm, cancel };
}

/** The buttons of an inline form: its submit button (`className`) and Cancel. */
export function inlineFormActions(submitLabel: string, className: string): HTMLDivElement {
  return h(
    "div",
    { className: "actions" },
    h("button", { type: "submit", className: `${className} small` }, submitLabel),
    cancelButton(),
  );
}

/** Cancel (`data-cancel`), which closes a confirmation or an inline form. */
function cancelButton(): HTMLButtonElement {
  return h(
    "button",
    { type: "button", className: "secondary small", "data-cancel": true },
    t("common.cancel"),
  );
}
