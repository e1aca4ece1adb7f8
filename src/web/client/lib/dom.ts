/** Small DOM helpers: find elements, build them, run forms with inline, announced messages. */
import { t } from "./i18n.js";
import { describeError, formatDateTime, type MessageContext } from "./text.js";

/** The element with this id. @throws Error when the page has none (a template bug). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`The page has no element #${id}`);
  return element as T;
}

type Child = Node | string | null | undefined | false;

/** Builds an element: `h("button", { type: "button", className: "secondary" }, "Rename")`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string | boolean>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key === "className") element.className = String(value);
    else if (key === "text") element.textContent = String(value);
    else element.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/**
 * A date and time as a `<time>` element: the page's language in its text ("Never" for null), the
 * instant in `datetime`.
 */
export function timeElement(iso: string | null): HTMLTimeElement {
  const time = h("time", {}, formatDateTime(iso));
  if (iso !== null) time.dateTime = iso;
  return time;
}

/**
 * Text only visible to screen readers (keeps "Remove" buttons distinct: "Remove Laptop"): a
 * name of the person's data, never translated (`translate="no"`).
 */
export function hiddenText(text: string): HTMLSpanElement {
  const span = h("span", { className: "visually-hidden" }, text);
  span.translate = false;
  return span;
}

export type MessageKind = "error" | "success" | "info";

/**
 * Shows `text` in a message region (an `aria-live` element in the template, so screen readers
 * announce the change); an empty text clears it.
 */
export function showMessage(region: HTMLElement, text: string, kind: MessageKind = "info"): void {
  region.classList.remove("error", "success", "info");
  // Clear first so the same message twice in a row is announced again.
  region.textContent = "";
  if (text === "") return;
  region.classList.add(kind);
  region.textContent = text;
}

/** Shows or hides elements (the `hidden` attribute; no inline styles under the CSP). */
export function setVisible(visible: boolean, ...elements: HTMLElement[]): void {
  for (const element of elements) element.hidden = !visible;
}

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** The first invalid control of a form and a sentence naming it, or null when all are valid. */
export function firstInvalidField(form: HTMLFormElement): { field: Field; text: string } | null {
  for (const element of Array.from(form.elements)) {
    const field = element as Field;
    if (typeof field.checkValidity !== "function" || field.disabled) continue;
    if (field.checkValidity()) {
      field.removeAttribute("aria-invalid");
      continue;
    }
    const label = field.labels?.[0]?.textContent?.trim() ?? field.name;
    return { field, text: t("common.field_problem", { label, problem: field.validationMessage }) };
  }
  return null;
}

export interface FormOptions {
  /** The form's message region. */
  message: HTMLElement;
  /** Which words to use for errors. */
  context?: MessageContext;
  /** Extra checks after the browser's own; return a sentence to refuse, with the field to focus. */
  validate?(form: HTMLFormElement): { field: HTMLElement; text: string } | null;
  /** Does the work; a thrown error is shown in the message region. */
  submit(form: HTMLFormElement): Promise<void>;
}

/**
 * Runs a form: checks its fields (the browser's constraints, then `validate`), disables its
 * buttons while `submit` runs, and shows any failure inline in the announced message region.
 */
export function handleForm(form: HTMLFormElement, options: FormOptions): void {
  form.noValidate = true;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runForm(form, options);
  });
}

async function runForm(form: HTMLFormElement, options: FormOptions): Promise<void> {
  if (form.getAttribute("aria-busy") === "true") return;
  for (const field of Array.from(form.elements)) field.removeAttribute("aria-invalid");
  const problem = firstInvalidField(form) ?? options.validate?.(form) ?? null;
  if (problem !== null) {
    problem.field.setAttribute("aria-invalid", "true");
    showMessage(options.message, problem.text, "error");
    problem.field.focus();
    return;
  }
  showMessage(options.message, "");
  await busy(form, async () => {
    try {
      await options.submit(form);
    } catch (error) {
      showMessage(options.message, describeError(error, options.context), "error");
    }
  });
}

/**
 * Marks `container` busy while `work` runs: its buttons get `aria-disabled` (not `disabled`,
 * which would drop the keyboard focus to the page) and ignore clicks.
 */
export async function busy(container: HTMLElement, work: () => Promise<void>): Promise<void> {
  const buttons = Array.from(container.querySelectorAll("button"));
  container.setAttribute("aria-busy", "true");
  for (const button of buttons) button.setAttribute("aria-disabled", "true");
  try {
    await work();
  } finally {
    container.removeAttribute("aria-busy");
    for (const button of buttons) button.removeAttribute("aria-disabled");
  }
}

/** Whether a button is marked busy by `busy` or `handleClick`. */
export function isBusy(button: HTMLElement): boolean {
  return button.getAttribute("aria-disabled") === "true";
}

/** Runs a button's action while marking it busy, showing a failure in `message`. */
export function handleClick(
  button: HTMLButtonElement,
  message: HTMLElement,
  action: () => Promise<void>,
  context?: MessageContext,
): void {
  button.addEventListener("click", () => {
    if (isBusy(button)) return;
    showMessage(message, "");
    void busy(button, async () => {
      try {
        await action();
      } catch (error) {
        showMessage(message, describeError(error, context), "error");
      }
    });
  });
}

/** The value of a named field of a form (trimmed unless `raw`). */
export function fieldValue(form: HTMLFormElement, name: string, raw = false): string {
  const field = form.elements.namedItem(name);
  if (field === null || !("value" in field)) throw new Error(`The form has no field ${name}`);
  const value = String(field.value);
  return raw ? value : value.trim();
}
