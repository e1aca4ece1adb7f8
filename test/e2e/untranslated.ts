/**
 * What a page shows that did not come from a catalogue (issue 24 item 3): in the pseudo-language
 * `en-XA` every message is accented and wrapped in ⟦…⟧ (src/core/i18n.ts), so a letter a person
 * can read outside such a pair was written by hand somewhere (a template, a script, the server).
 *
 * `untranslatedTexts(page)` walks the page as Chromium shows it and returns each offender with
 * its CSS path. It reads:
 * - every visible text node (in `<body>`). Brackets pair up across the inline elements of one
 *   block, so a message whose placeholder is an element (`⟦Signed in as <b>…</b>⟧`) is one text;
 * - the attributes a person reads or hears on visible elements: `placeholder`, `aria-label`,
 *   `title`, `alt`, and the `value` of `<input type="button|submit|reset">`;
 * - the `<option>` texts (and `<optgroup label>`) of visible `<select>` elements;
 * - the document's `<title>`, less the brand's name.
 * It skips what is not the page's text: `<time>` elements (dates formatted by `Intl`), elements
 * with `translate="no"` (user data), elements whose `lang` is another language than the page's
 * (the language picker's options name each language in itself), `<script>`, `<style>`,
 * `<noscript>`, `<template>`, a `<textarea>`'s content, and the brand (`.brand`, the configured name).
 */
import type { Page } from "playwright-core";
import { PSEUDO_CLOSE, PSEUDO_OPEN } from "../../src/core/i18n.js";

/** One text a person reads that is not (wholly) between ⟦ and ⟧. */
export interface Offender {
  /** A CSS path of the element (for a text node, its parent). */
  path: string;
  /** `text`, `option`, `title` (the document's), or the attribute's name. */
  where: string;
  /** The text, trimmed. */
  text: string;
}

/** Runs in the page: no closures over this module, only the two brackets passed in. */
function findInPage({ open, close }: { open: string; close: string }): Offender[] {
  const offenders: Offender[] = [];
  const pageLang = document.documentElement.lang.toLowerCase();
  const letter = /\p{L}/u;

  /** Which characters of `text` lie inside a matched ⟦…⟧ pair (nesting allowed). */
  const covered = (text: string): boolean[] => {
    const inside = new Array<boolean>(text.length).fill(false);
    const opened: number[] = [];
    for (let i = 0; i < text.length; i += 1) {
      if (text[i] === open) opened.push(i);
      else if (text[i] === close && opened.length > 0) {
        const start = opened.pop()!;
        for (let j = start; j <= i; j += 1) inside[j] = true;
      }
    }
    return inside;
  };
  /** Whether `text` has a letter outside every matched pair. */
  const untranslated = (text: string): boolean => {
    const inside = covered(text);
    return [...text].some((char, i) => letter.test(char) && !inside[i]);
  };

  const cssPath = (element: Element): string => {
    const parts: string[] = [];
    for (let node: Element | null = element; node !== null; node = node.parentElement) {
      const tag = node.tagName.toLowerCase();
      if (node.id !== "") {
        parts.unshift(`${tag}#${node.id}`);
        break;
      }
      if (tag === "html" || tag === "body") {
        parts.unshift(tag);
        break;
      }
      const classes = Array.from(node.classList)
        .map((name) => `.${name}`)
        .join("");
      const parent = node.parentElement;
      const same =
        parent === null
          ? []
          : Array.from(parent.children).filter((each) => each.tagName === node.tagName);
      const nth = same.length > 1 ? `:nth-of-type(${same.indexOf(node) + 1})` : "";
      parts.unshift(`${tag}${classes}${nth}`);
    }
    return parts.join(" > ");
  };

  /** Not the page's own text: a date, user data, another language, code, the brand. */
  const skipped = (element: Element): boolean => {
    if (element.closest("time, script, style, noscript, template, .brand") !== null) {
      return true;
    }
    // `translate` is inherited (HTML §3.2.6.2): the property tells the element's own mode.
    if (element instanceof HTMLElement && !element.translate) return true;
    const withLang = element.closest("[lang]");
    const lang = withLang === null ? pageLang : (withLang.getAttribute("lang") ?? "").toLowerCase();
    return lang !== pageLang;
  };

  const shown = (element: Element): boolean =>
    element.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true });

  /** Whether `element` is in the folded part of a closed `<details>` (not its `<summary>`). */
  const inClosedDetails = (element: Element): boolean => {
    for (let node: Element | null = element; node !== null; node = node.parentElement) {
      const details = node.parentElement;
      if (details instanceof HTMLDetailsElement && !details.open && node.tagName !== "SUMMARY") {
        return true;
      }
    }
    return element instanceof HTMLDetailsElement && !element.open;
  };

  /**
   * The box that holds `element`'s line of text: the nearest element not displayed `inline`
   * (an inline-block, such as a button, is a box of its own).
   */
  const blockOf = (element: Element): Element => {
    for (let node: Element | null = element; node !== null; node = node.parentElement) {
      const display = getComputedStyle(node).display;
      if (display !== "inline" && display !== "contents") return node;
    }
    return document.body;
  };

  // Text nodes, grouped by block, so that brackets pair across inline elements.
  const groups = new Map<Element, { node: Text; parent: Element }[]>();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    const text = node as Text;
    const parent = text.parentElement;
    if (parent === null || text.data.trim() === "") continue;
    // Options are read from their <select> below; a <textarea>'s text is what the person typed.
    if (parent.closest("select, option, optgroup, datalist, textarea") !== null) continue;
    if (skipped(parent) || !shown(parent) || inClosedDetails(parent)) continue;
    const block = blockOf(parent);
    const group = groups.get(block) ?? [];
    group.push({ node: text, parent });
    groups.set(block, group);
  }
  for (const group of groups.values()) {
    const whole = group.map(({ node }) => node.data).join("");
    const inside = covered(whole);
    let offset = 0;
    for (const { node, parent } of group) {
      const chars = node.data;
      let bad = false;
      for (let i = 0; i < chars.length; i += 1) {
        if (letter.test(chars[i]!) && !inside[offset + i]) bad = true;
      }
      offset += chars.length;
      if (bad) offenders.push({ path: cssPath(parent), where: "text", text: chars.trim() });
    }
  }

  // Attributes a person reads (a tooltip, a placeholder) or hears (a label for a screen reader).
  for (const element of Array.from(document.body.querySelectorAll("*"))) {
    if (skipped(element) || !shown(element) || inClosedDetails(element)) continue;
    for (const name of ["placeholder", "aria-label", "title", "alt"]) {
      const value = element.getAttribute(name);
      if (value !== null && untranslated(value)) {
        offenders.push({ path: cssPath(element), where: name, text: value.trim() });
      }
    }
    if (
      element instanceof HTMLInputElement &&
      ["button", "submit", "reset"].includes(element.type) &&
      untranslated(element.value)
    ) {
      offenders.push({ path: cssPath(element), where: "value", text: element.value.trim() });
    }
    if (element instanceof HTMLSelectElement) {
      for (const child of Array.from(element.querySelectorAll("option, optgroup"))) {
        if (skipped(child)) continue;
        const text =
          child instanceof HTMLOptionElement ? child.text : (child.getAttribute("label") ?? "");
        if (untranslated(text)) {
          const where = child instanceof HTMLOptionElement ? "option" : "label";
          offenders.push({ path: cssPath(child), where, text: text.trim() });
        }
      }
    }
  }

  // The tab's title, but for the brand's name (the product's, configured, not translated).
  const brand = document.querySelector(".brand")?.textContent?.trim() ?? "";
  const title = brand === "" ? document.title : document.title.split(brand).join("");
  if (untranslated(title)) offenders.push({ path: "title", where: "title", text: document.title });
  return offenders;
}

/** Every text the page shows outside ⟦…⟧, as it is now (wait for its script first). */
export async function untranslatedTexts(page: Page): Promise<Offender[]> {
  return page.evaluate(findInPage, { open: PSEUDO_OPEN, close: PSEUDO_CLOSE });
}

/** Offenders one a line: `path [where] "text"`. */
export function formatOffenders(offenders: readonly Offender[]): string {
  return offenders
    .map(({ path, where, text }) => `${path} [${where}] ${JSON.stringify(text)}`)
    .join("\n");
}
