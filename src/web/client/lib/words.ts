/**
 * Words with things in them (issue 24 item 3), for every page: a catalogue message whose
 * placeholders are elements (a `<time>`, a name marked `translate="no"`), so translators get
 * the whole sentence and the pseudo-locale test sees dates and user data apart from the words.
 */
import { h } from "./dom.js";
import { formatDateTimeIn, t, type MessageValues } from "./i18n.js";

/** A date and time as `<time datetime="…">`, written in the page's language. */
export function timeOf(iso: string): HTMLTimeElement {
  return h("time", { datetime: iso }, formatDateTimeIn(new Date(iso)));
}

/** User data (a name, an address, a device): `translate="no"`, shown as it is. */
export function userData(text: string, tag: "span" | "strong" = "span", id?: string): HTMLElement {
  return h(tag, { translate: "no", id }, text);
}

/** Marks a placeholder's place in a formatted message (never in a catalogue). */
const MARK = "\u0000";

/**
 * Message `key` with `nodes` in place of their placeholders (and `values` in theirs), as
 * children for `h` or `append`: `tNodes("account.passkey_added", { when: timeOf(iso) })`.
 */
export function tNodes(
  key: string,
  nodes: Record<string, Node>,
  values: MessageValues = {},
): (Node | string)[] {
  const names = Object.keys(nodes);
  const marked: MessageValues = { ...values };
  names.forEach((name, index) => {
    marked[name] = `${MARK}${index}${MARK}`;
  });
  return t(key, marked)
    .split(new RegExp(`${MARK}(\\d+)${MARK}`))
    .map((part, index) => (index % 2 === 1 ? nodes[names[Number(part)]!]! : part))
    .filter((part) => part !== "");
}

/** Fills `target` with message `key`, `nodes` in place of their placeholders. */
export function sentenceInto(target: HTMLElement, key: string, nodes: Record<string, Node>): void {
  target.replaceChildren(...tNodes(key, nodes));
}
