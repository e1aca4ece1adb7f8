/** The header of the signed-in pages: who is signed in, the admin link, sign out. */
import { byId, handleClick, setVisible } from "./dom.js";
import { signOut } from "./session.js";
import type { UserView } from "./types.js";

/** Fills the header for `user` and wires its sign-out button. */
export function renderHeader(user: UserView): void {
  byId("header-user").textContent = user.name;
  setVisible(true, byId("header-account"));
  setVisible(user.is_admin, byId("admin-link"));
  const button = byId<HTMLButtonElement>("sign-out");
  setVisible(true, button);
  handleClick(button, byId("header-message"), signOut);
}
