/**
 * The words of the pages' scripts (issue 24 item 3). The server puts the page's language, the
 * offered languages and the messages the script needs in `<script type="application/json"
 * id="tessera-i18n">` (src/http/locale.ts); `t` formats one (ICU MessageFormat, with
 * `intl-messageformat`, numbers, dates and plurals in the page's language). Text a person
 * reads is never written in a script: it comes from `src/contract/messages/<language>.json`.
 *
 * The picker (`mountLocalePicker`) sets `LOCALE_COOKIE` (and, signed in, saves the choice with
 * `PATCH /users/{id}/locale`), then reloads: the server renders the page in the new language.
 */
import { IntlMessageFormat } from "intl-messageformat";
import { I18N_DATA_ID, LOCALE_COOKIE, LOCALE_COOKIE_MAX_AGE } from "../../../contract/locale.js";

/** What the page's data element carries. */
export interface I18nData {
  locale: string;
  locales: { tag: string; name: string }[];
  messages: Record<string, string>;
}

/** Values of a message's placeholders. */
export type MessageValues = Record<string, string | number | Date>;

let data: I18nData | null = null;
const formatters = new Map<string, IntlMessageFormat>();

/** Uses `given` instead of the page's data element (the unit tests, which have no page). */
export function installMessages(given: I18nData): void {
  data = given;
  formatters.clear();
}

function current(): I18nData {
  if (data !== null) return data;
  const element = typeof document === "undefined" ? null : document.getElementById(I18N_DATA_ID);
  try {
    data = JSON.parse(element?.textContent ?? "") as I18nData;
  } catch {
    data = { locale: "en", locales: [], messages: {} };
  }
  return data;
}

/** The page's language (BCP 47), for `Intl`. The pseudo-language formats as English. */
export function pageLocale(): string {
  const locale = current().locale;
  return locale === "en-XA" ? "en" : locale;
}

/** The languages a person may choose. */
export function offeredLocales(): { tag: string; name: string }[] {
  return current().locales;
}

/**
 * A message with its placeholders filled. A key the page was not given shows as the key
 * itself (and fails the pseudo-locale test), never as an empty string.
 */
export function t(key: string, values?: MessageValues): string {
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    const message = current().messages[key];
    if (message === undefined) return key;
    formatter = new IntlMessageFormat(message, pageLocale());
    formatters.set(key, formatter);
  }
  return String(formatter.format(values));
}

/** A date and time in the page's language ("12 Mar 2026, 14:05"). */
export function formatDateTimeIn(date: Date): string {
  return date.toLocaleString(pageLocale(), { dateStyle: "medium", timeStyle: "short" });
}

/** A number in the page's language ("1,234" or "1.234"). */
export function formatNumber(value: number): string {
  return value.toLocaleString(pageLocale());
}

/** Remembers a language for the pages (a year), as the picker and a saved choice do. */
export function rememberLocale(locale: string): void {
  document.cookie = `${LOCALE_COOKIE}=${encodeURIComponent(locale)}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE}; SameSite=Lax`;
}

/**
 * The signed-in person's saved language: remembered for the pages, and the page reloaded in it
 * when it is shown in another one (the choice was saved on another device). Returns true when
 * the page is about to reload.
 */
export function followSavedLocale(saved: string | null | undefined): boolean {
  if (saved === null || saved === undefined) return false;
  if (!current().locales.some((each) => each.tag === saved)) return false;
  rememberLocale(saved);
  if (saved === current().locale) return false;
  window.location.reload();
  return true;
}

/**
 * Fills the language picker (`<select id="locale-picker">`) and reloads the page in the chosen
 * language; `save` (signed in) stores the choice first, so the mails follow it too.
 */
export function mountLocalePicker(save?: (locale: string) => Promise<unknown>): void {
  const select = document.getElementById("locale-picker");
  if (!(select instanceof HTMLSelectElement)) return;
  const { locale, locales } = current();
  select.replaceChildren(
    ...locales.map(({ tag, name }) => {
      const option = document.createElement("option");
      option.value = tag;
      option.textContent = name;
      option.lang = tag;
      option.selected = tag === locale;
      return option;
    }),
  );
  select.addEventListener("change", () => {
    const chosen = select.value;
    rememberLocale(chosen);
    void (save === undefined ? Promise.resolve() : save(chosen).catch(() => undefined)).then(() =>
      window.location.reload(),
    );
  });
}
