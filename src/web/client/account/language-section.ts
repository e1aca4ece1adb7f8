/**
 * The account page's "Language" (issue 24 item 3): the language of the pages and of the mails
 * Tessera sends the person, saved with the account (`PATCH /users/{id}/locale`) so that their
 * other devices follow it, remembered for this browser, then the page reloaded in it. The
 * header's picker does the same from every page; this is the place a person looks for it.
 */
import { api, userPath } from "../lib/api.js";
import { byId, h, showMessage } from "../lib/dom.js";
import { offeredLocales, rememberLocale } from "../lib/i18n.js";
import { describeError } from "../lib/text.js";
import type { AccountState } from "./state.js";

/** Fills the choice with the offered languages (each named in itself) and saves a change. */
export function wireLanguage(state: AccountState): void {
  const select = byId<HTMLSelectElement>("account-locale");
  const message = byId("language-message");
  const shown = document.documentElement.lang;
  select.replaceChildren(
    ...offeredLocales().map(({ tag, name }) =>
      h("option", { value: tag, lang: tag, selected: tag === shown }, name),
    ),
  );
  let saving = false;
  select.addEventListener("change", () => {
    if (saving) return;
    saving = true;
    const chosen = select.value;
    showMessage(message, "");
    api("PATCH", userPath(state.me.id, "/locale"), { locale: chosen }).then(
      () => {
        rememberLocale(chosen);
        window.location.reload();
      },
      (error: unknown) => {
        saving = false;
        select.value = shown;
        showMessage(message, describeError(error), "error");
      },
    );
  });
}
