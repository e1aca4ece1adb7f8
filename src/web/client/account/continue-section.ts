/**
 * Back to the application (issue 21): an application's sign-in sent the person here
 * (`/account?next=/oidc/interaction/…`) to set up a second factor, because the server requires
 * one (`TESSERA_REQUIRE_2FA`) or the application asked for one. Once the account has one, a
 * notice offers to continue to the application; only an interaction path is ever followed.
 */
import { byId, setVisible } from "../lib/dom.js";
import { interactionNext } from "../lib/text.js";
import { hasSecondFactor, type AccountState } from "./state.js";

/** Shows or hides the notice for the account as it is now; true when shown. */
export function updateContinueNotice(state: AccountState): boolean {
  const next = interactionNext(window.location.search);
  const show = next !== null && hasSecondFactor(state);
  setVisible(show, byId("continue-notice"));
  if (next !== null) byId<HTMLAnchorElement>("continue-link").href = next;
  return show;
}
