/**
 * Languages (issue 24 item 3): the message catalogues of `src/contract/messages/` (one JSON
 * file per language, flat `area.name` keys, ICU MessageFormat values), the choice of a language
 * for a request, and formatting with `intl-messageformat`.
 *
 * - A language is one file: `LOCALES` is read from the catalogues, so adding `it.json` (every
 *   key of `en.json`, the same placeholders: `test/core/i18n.test.ts` checks) and naming it in
 *   `CATALOGUES` is all it takes.
 * - `en` is the source language: a key missing elsewhere falls back to it (never to the key).
 * - `PSEUDO_LOCALE` (`en-XA`, the pseudo-locale code Android and Chromium use) is generated
 *   from `en` by `pseudoMessage`: every literal accented and bracketed, placeholders kept. The
 *   pseudo-locale test renders every page and mail in it and fails on any text without the
 *   brackets: text that did not come from a catalogue. It is offered only where asked for
 *   (`withPseudo`), never in production.
 */
import { parse, TYPE, type MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { printAST } from "@formatjs/icu-messageformat-parser/printer.js";
import { IntlMessageFormat } from "intl-messageformat";
import de from "../contract/messages/de.json" with { type: "json" };
import en from "../contract/messages/en.json" with { type: "json" };
import es from "../contract/messages/es.json" with { type: "json" };
import fr from "../contract/messages/fr.json" with { type: "json" };

/** A catalogue: message key → ICU message. */
export type Messages = Readonly<Record<string, string>>;

/** The source language: every key exists here, and other languages fall back to it. */
export const SOURCE_LOCALE = "en";
/** The generated pseudo-language of the pseudo-locale test. */
export const PSEUDO_LOCALE = "en-XA";
/** What opens and closes every pseudo-localised literal: text without them was not translated. */
export const PSEUDO_OPEN = "⟦";
export const PSEUDO_CLOSE = "⟧";

/** The shipped catalogues, by BCP 47 tag: a new language is a file and a line here. */
export const CATALOGUES: Readonly<Record<string, Messages>> = Object.freeze({ en, de, fr, es });

/** The languages a person may choose, in the picker's order. */
export const LOCALES: readonly string[] = Object.freeze(Object.keys(CATALOGUES));

/** Whether `value` names a shipped language (not the pseudo one). */
export function isLocale(value: unknown): value is string {
  return typeof value === "string" && Object.hasOwn(CATALOGUES, value);
}

/** A language's own name for itself (`locale.name`), for the picker. */
export function localeName(locale: string): string {
  return catalogue(locale)["locale.name"] ?? locale;
}

/** Text direction of a language: every shipped one is left to right (`dir` on `<html>`). */
export function localeDirection(locale: string): "ltr" | "rtl" {
  const language = locale.split("-")[0];
  return language !== undefined && RTL_LANGUAGES.has(language) ? "rtl" : "ltr";
}
const RTL_LANGUAGES = new Set(["ar", "fa", "he", "ur", "ps", "yi"]);

/**
 * The best of `available` for an `Accept-Language` header (RFC 9110 §12.5.4, "lookup" of
 * RFC 4647 §3.4): ranges by weight (a missing `q` is 1, `q=0` refuses), each matched exactly,
 * then by its primary language (`de-AT` takes `de`). `*` and unknown languages match nothing:
 * the caller's default applies. Never throws: a malformed header is as good as none.
 */
export function negotiateLocale(
  header: string | undefined,
  available: readonly string[] = LOCALES,
): string | null {
  if (header === undefined || header.length === 0 || header.length > 1024) return null;
  const ranges: Array<{ tag: string; q: number; order: number }> = [];
  header.split(",").forEach((part, order) => {
    const [range, ...params] = part.trim().split(";");
    const tag = range?.trim().toLowerCase();
    if (tag === undefined || !/^[a-z]{1,8}(?:-[a-z0-9]{1,8})*$/.test(tag)) return;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (match?.[1] !== undefined) q = Number(match[1]);
    }
    if (q > 0) ranges.push({ tag, q, order });
  });
  ranges.sort((a, b) => b.q - a.q || a.order - b.order);
  const byLower = new Map(available.map((locale) => [locale.toLowerCase(), locale]));
  for (const { tag } of ranges) {
    const exact = byLower.get(tag);
    if (exact !== undefined) return exact;
    const primary = byLower.get(tag.split("-")[0] ?? "");
    if (primary !== undefined) return primary;
  }
  return null;
}

/**
 * The language of a request: a chosen one (a saved choice or the picker's cookie) when it is
 * offered, else the best for `Accept-Language`, else `fallback`.
 */
export function chooseLocale(
  chosen: readonly (string | null | undefined)[],
  acceptLanguage: string | undefined,
  fallback: string,
  available: readonly string[] = LOCALES,
): string {
  for (const each of chosen) {
    if (each !== null && each !== undefined && available.includes(each)) return each;
  }
  return negotiateLocale(acceptLanguage, available) ?? fallback;
}

const pseudoCache = new Map<string, Messages>();

/** The catalogue of a language (the pseudo one generated), `en` for an unknown one. */
export function catalogue(locale: string): Messages {
  if (locale === PSEUDO_LOCALE) {
    let pseudo = pseudoCache.get(locale);
    if (pseudo === undefined) {
      pseudo = Object.freeze(
        Object.fromEntries(Object.entries(en).map(([key, value]) => [key, pseudoMessage(value)])),
      );
      pseudoCache.set(locale, pseudo);
    }
    return pseudo;
  }
  return CATALOGUES[locale] ?? en;
}

/** The messages of a language whose keys start with one of `prefixes` (each ending in `.`). */
export function messagesWithPrefixes(locale: string, prefixes: readonly string[]): Messages {
  const source = catalogue(locale);
  const fallback: Messages = en;
  const out: Record<string, string> = {};
  for (const key of Object.keys(fallback)) {
    if (prefixes.some((prefix) => key.startsWith(prefix))) {
      out[key] = source[key] ?? (fallback[key] as string);
    }
  }
  return out;
}

const ACCENTED: Readonly<Record<string, string>> = {
  a: "á",
  b: "ƀ",
  c: "ç",
  d: "ð",
  e: "é",
  f: "ƒ",
  g: "ĝ",
  h: "ĥ",
  i: "í",
  j: "ĵ",
  k: "ķ",
  l: "ļ",
  m: "ɱ",
  n: "ñ",
  o: "ó",
  p: "þ",
  q: "ǫ",
  r: "ŕ",
  s: "š",
  t: "ţ",
  u: "ú",
  v: "ṽ",
  w: "ŵ",
  x: "ẋ",
  y: "ý",
  z: "ž",
  A: "Á",
  B: "Ɓ",
  C: "Ç",
  D: "Ð",
  E: "É",
  F: "Ƒ",
  G: "Ĝ",
  H: "Ĥ",
  I: "Í",
  J: "Ĵ",
  K: "Ķ",
  L: "Ļ",
  M: "Ṁ",
  N: "Ñ",
  O: "Ó",
  P: "Þ",
  Q: "Ǫ",
  R: "Ŕ",
  S: "Š",
  T: "Ţ",
  U: "Ú",
  V: "Ṽ",
  W: "Ŵ",
  X: "Ẋ",
  Y: "Ý",
  Z: "Ž",
};

function pseudoText(text: string): string {
  return text.replace(/[A-Za-z]/g, (letter) => ACCENTED[letter] ?? letter);
}

function pseudoElements(elements: MessageFormatElement[]): MessageFormatElement[] {
  return elements.map((element) => {
    if (element.type === TYPE.literal) return { ...element, value: pseudoText(element.value) };
    if (element.type === TYPE.plural || element.type === TYPE.select) {
      const options = Object.fromEntries(
        Object.entries(element.options).map(([name, option]) => [
          name,
          { ...option, value: pseudoElements(option.value) },
        ]),
      );
      return { ...element, options } as MessageFormatElement;
    }
    if (element.type === TYPE.tag)
      return { ...element, children: pseudoElements(element.children) };
    return element;
  });
}

/**
 * The pseudo-localised form of an ICU message: literals accented, the whole between
 * `PSEUDO_OPEN` and `PSEUDO_CLOSE`, placeholders and plural forms untouched.
 */
export function pseudoMessage(message: string): string {
  return `${PSEUDO_OPEN}${printAST(pseudoElements(parse(message)))}${PSEUDO_CLOSE}`;
}

/** The argument names of an ICU message (placeholders, plurals, selects), sorted. */
export function placeholdersOf(message: string): string[] {
  const names = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const element of elements) {
      if (element.type === TYPE.literal || element.type === TYPE.pound) continue;
      names.add(element.value);
      if (element.type === TYPE.plural || element.type === TYPE.select) {
        for (const option of Object.values(element.options)) walk(option.value);
      }
      if (element.type === TYPE.tag) walk(element.children);
    }
  };
  walk(parse(message));
  return [...names].sort();
}

/** Values of a message's placeholders. */
export type MessageValues = Record<string, string | number | Date>;

const formatters = new Map<string, IntlMessageFormat>();

/**
 * A message of a language with its placeholders filled (`Intl` formats numbers, dates and
 * plurals in that language). A key no catalogue has throws `TypeError`: a programming error,
 * which the catalogue test would have caught.
 */
export function translate(locale: string, key: string, values?: MessageValues): string {
  const cacheKey = `${locale}\u0000${key}`;
  let formatter = formatters.get(cacheKey);
  if (formatter === undefined) {
    const message = catalogue(locale)[key] ?? (en as Messages)[key];
    if (message === undefined) throw new TypeError(`no message ${key}`);
    const intlLocale = locale === PSEUDO_LOCALE ? SOURCE_LOCALE : locale;
    formatter = new IntlMessageFormat(message, intlLocale);
    formatters.set(cacheKey, formatter);
  }
  return String(formatter.format(values));
}

/** Whether a key exists in the source catalogue. */
export function hasMessage(key: string): boolean {
  return Object.hasOwn(en, key);
}
