/**
 * The language choice on the wire (issue 24 item 3), plain data the pages import too.
 * - `LOCALE_COOKIE`: the language the picker chose, and the signed-in person's saved one, which
 *   the pages set for themselves; the server reads it before `Accept-Language` when it renders
 *   a page. It is a preference, not a credential: readable by the page's script, `SameSite=Lax`.
 * - `I18N_DATA_ID`: the id of the page's `<script type="application/json">` that carries its
 *   language, the offered languages and the messages its script formats.
 */
export const LOCALE_COOKIE = "tessera_locale";
/** A year, in seconds: the cookie's `Max-Age`. */
export const LOCALE_COOKIE_MAX_AGE = 31_536_000;
export const I18N_DATA_ID = "tessera-i18n";
/** A BCP 47 tag as Tessera takes it in `PATCH /users/{id}/locale` (checked against the list). */
export const MAX_LOCALE_LENGTH = 35;
