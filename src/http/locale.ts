/**
 * The language of a request and of a page (issue 24 item 3).
 *
 * - `requestLocale`: for pages, the picker's (or the saved) choice in `LOCALE_COOKIE`, then
 *   `Accept-Language`, then `TESSERA_DEFAULT_LOCALE`. For API error texts, `Accept-Language`
 *   alone (the pages send their own language in it), then the default.
 * - `localizePage`: a built page in one language. The page templates carry
 *   `{{t:key}}` where a message goes (text or attribute, HTML-escaped here),
 *   `{{locale:lang}}` / `{{locale:dir}}` on `<html>`, and `{{locale:data}}` in the
 *   `<script type="application/json" id="tessera-i18n" data-prefixes="…">` whose JSON gives the
 *   page's script its language, the offered languages and the messages under those prefixes
 *   (`src/web/client/lib/i18n.ts` reads it). A page is localised once per language when the
 *   build is read, never per request.
 */
import type { FastifyRequest } from "fastify";
import { escapeHtml } from "../core/html.js";
import { I18N_DATA_ID, LOCALE_COOKIE } from "../contract/locale.js";
import {
  chooseLocale,
  localeDirection,
  localeName,
  LOCALES,
  messagesWithPrefixes,
  negotiateLocale,
  PSEUDO_LOCALE,
  translate,
} from "../core/i18n.js";
import type {} from "@fastify/cookie";

/** The languages pages are offered in: the shipped ones, and the pseudo one where asked. */
export function offeredLocales(pseudo: boolean): readonly string[] {
  return pseudo ? [...LOCALES, PSEUDO_LOCALE] : LOCALES;
}

/** A page's language: the cookie's choice, else `Accept-Language`, else `fallback`. */
export function pageLocale(
  request: FastifyRequest,
  fallback: string,
  offered: readonly string[] = LOCALES,
): string {
  const cookie = request.cookies?.[LOCALE_COOKIE];
  return chooseLocale([cookie], request.headers["accept-language"], fallback, offered);
}

/** The language of an API answer's texts: `Accept-Language`, else `fallback`. */
export function apiLocale(request: FastifyRequest, fallback: string): string {
  return negotiateLocale(request.headers["accept-language"]) ?? fallback;
}

/** JSON safe inside a `<script>` element: no `</script>`, no `<!--` (HTML Standard §4.12.1.3). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const DATA_SCRIPT = new RegExp(
  `(<script type="application/json" id="${I18N_DATA_ID}" data-prefixes="([^"]*)">)\\s*\\{\\{locale:data\\}\\}\\s*(</script>)`,
);

/**
 * A built page in `locale`. A `{{t:key}}` of a key no catalogue has throws `TypeError` (the
 * pages' test renders every page in every language, so a typo fails a test, not a person).
 */
export function localizePage(html: string, locale: string, offered: readonly string[]): string {
  return html
    .replace(DATA_SCRIPT, (_whole, open: string, prefixes: string, close: string) => {
      const wanted = ["common.", ...prefixes.split(/\s+/).filter((p) => p !== "")].map((p) =>
        p.endsWith(".") ? p : `${p}.`,
      );
      const data = {
        locale,
        locales: offered.map((tag) => ({ tag, name: localeName(tag) })),
        messages: messagesWithPrefixes(locale, wanted),
      };
      return `${open}${scriptJson(data)}${close}`;
    })
    .replace(/\{\{(t|locale):([A-Za-z0-9_.-]+)\}\}/g, (_whole, kind: string, name: string) => {
      if (kind === "t") return escapeHtml(translate(locale, name));
      if (name === "lang") return locale;
      if (name === "dir") return localeDirection(locale);
      throw new TypeError(`unknown page slot {{locale:${name}}}`);
    });
}
