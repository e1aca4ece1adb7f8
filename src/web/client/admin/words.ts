/**
 * The admin page's small pieces of text that hold data (issue 24 item 3): user data (names,
 * emails, role names, permissions, application ids, addresses) in elements marked
 * `translate="no"`, so neither the page's language nor a browser's translation touches them,
 * and dates and times in `<time datetime>`, formatted in the page's language. Every word around
 * them comes from the catalogue (`admin.` keys, `t`).
 */
import { h } from "../lib/dom.js";
import { formatDateTimeIn, t } from "../lib/i18n.js";

/** `text` (user data) in a `<span translate="no">`, with `className` when given. */
export function userData(text: string, className?: string): HTMLSpanElement {
  return h("span", { className, translate: "no" }, text);
}

/** `text` (an id, a URI, a permission) in a `<code translate="no">`. */
export function codeData(text: string): HTMLElement {
  return h("code", { translate: "no" }, text);
}

/**
 * A date and time (ISO 8601) in a `<time datetime>` in the page's language; "Never" for null
 * and "Unknown" for what is not a date.
 */
export function timeOf(iso: string | null): HTMLElement | string {
  if (iso === null) return t("admin.never");
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return t("admin.unknown");
  return h("time", { datetime: date.toISOString() }, formatDateTimeIn(date));
}
