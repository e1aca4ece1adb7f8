/**
 * The sign-in page's "Confirm it is you" step (issue 21): an application sent a person who is
 * already signed in back to this page (`?next=/oidc/interaction/…&reauthenticate=…`) because it
 * wants a fresh authentication (`prompt=login`, `max_age`: any method) or a second factor
 * (`acr_values`: an authenticator app code or a passkey). The person answers on the page
 * (`POST /reauthenticate`, the forms of ../lib/reauthenticate.ts) and goes on to the
 * application; an account without the second factor asked for is sent to set one up.
 */
import { api, ApiError, userPath } from "../lib/api.js";
import { byId, setVisible, showMessage } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { passkeysSupported } from "../lib/passkeys.js";
import { reauthenticationForms } from "../lib/reauthenticate.js";
import { describeError } from "../lib/text.js";
import type { PasskeyView, UserView } from "../lib/types.js";

/** What the step needs from the page. */
export interface ReauthenticationStep {
  /** `?reauthenticate=`: any method, or a second factor only. */
  readonly mode: "any" | "second-factor";
  /** The interaction to go back to afterwards. */
  readonly next: string;
  /** Shows this step (hiding the others, focus on its heading). */
  show(step: HTMLElement): void;
}

/** Whether the user has a passkey (false where passkeys are off on the server). */
async function hasPasskey(user: UserView): Promise<boolean> {
  try {
    const passkeys = await api<PasskeyView[]>("GET", userPath(user.id, "/2fa/webauthn"));
    return passkeys.length > 0;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}

/** Shows the step for the signed-in `user`. */
export async function showReauthentication(
  user: UserView,
  step: ReauthenticationStep,
): Promise<void> {
  const section = byId("reauthenticate-step");
  const passkey = passkeysSupported() && (await hasPasskey(user));
  const methods = [
    step.mode === "any" ? "password" : null,
    user.totp_enabled ? "totp" : null,
    passkey ? "webauthn" : null,
  ].filter((method): method is string => method !== null);
  const intro = byId("reauthenticate-intro");
  const container = byId("reauthenticate-forms");
  const noFactor = methods.length === 0;
  setVisible(noFactor, byId("reauthenticate-setup"));
  if (noFactor) {
    intro.textContent = t("sign_in.reauth_no_factor", { name: user.name });
    byId<HTMLAnchorElement>("reauthenticate-setup-link").href =
      `/account?${new URLSearchParams({ next: step.next }).toString()}`;
    container.replaceChildren();
  } else {
    const totp = user.totp_enabled;
    intro.textContent = t(
      step.mode === "any"
        ? "sign_in.reauth_any"
        : totp && passkey
          ? "sign_in.reauth_totp_passkey"
          : totp
            ? "sign_in.reauth_totp"
            : "sign_in.reauth_passkey",
      { name: user.name },
    );
    const forms = reauthenticationForms(methods, () => window.location.assign(step.next));
    container.replaceChildren(...forms.parts, forms.message);
  }
  step.show(section);
}

/** Wires "Sign in as someone else": signs out, then `signInAgain` (the page's first step). */
export function wireSwitchUser(signInAgain: () => void): void {
  const button = byId<HTMLButtonElement>("reauthenticate-switch");
  const message = byId("reauthenticate-message");
  button.addEventListener("click", () => {
    showMessage(message, "");
    api("POST", "/logout")
      .then(() => signInAgain())
      .catch((error: unknown) => showMessage(message, describeError(error), "error"));
  });
}
