/**
 * The header of the signed-in pages: who is signed in, the admin link, sign out, and the
 * language picker, whose choice is saved for the person (`PATCH /users/{id}/locale`).
 */
import { api, userPath } from "./api.js";
import { byId, handleClick, setVisible } from "./dom.js";
import { followSavedLocale, mountLocalePicker } from "./i18n.js";
import { signOut } from "./session.js";
import type { UserView } from "./types.js";

/**
 * Fills the header for `user` and wires its sign-out button and language picker; the page
 * reloads in the person's saved language when it is shown in another one.
 */
export function renderHeader(user: UserView): void {
  // A failed save must not keep the page from reloading in the chosen language (the cookie
  // holds the choice for this browser): mountLocalePicker ignores the failure.
  mountLocalePicker((locale) => api("PATCH", userPath(user.id, "/locale"), { locale }));
  if (followSavedLocale(user.locale)) return;
  byId("header-user").textContent = user.name;
  setVisible(true, byId("header-account"));
  setVisible(user.is_admin, byId("admin-link"));
  const button = byId<HTMLButtonElement>("sign-out");
  setVisible(true, button);
  handleClick(button, byId("header-message"), signOut);
}
