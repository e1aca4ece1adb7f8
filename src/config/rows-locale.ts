/**
 * The language row (issue 24 item 3), after `TESSERA_APP_NAME` in the README's order; `rows.ts`
 * spreads it there. Same form as there.
 */
import { LOCALES, SOURCE_LOCALE } from "../core/i18n.js";
import { choice, row } from "./types.js";

export const LOCALE_SETTINGS = Object.freeze({
  defaultLocale: row({
    name: "TESSERA_DEFAULT_LOCALE",
    type: choice(LOCALES, "one of"),
    default: SOURCE_LOCALE,
    summary: "language without a saved choice or Accept-Language",
  }),
});
