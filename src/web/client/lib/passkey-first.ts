/**
 * "Use a passkey" instead of choosing a password (issue 24): the invitation page and the page
 * of a sign-up's verification link make the account's first passkey through the two steps of
 * `path` (`/invitations/passkey`, `/signup/passkey`), bound to the link's token, then go to the
 * account page's recovery codes, offered straight away.
 */
import { api } from "./api.js";
import { handleClick, setVisible } from "./dom.js";
import { createPasskey, explainedPasskeyCall, passkeysSupported } from "./passkeys.js";
import type { UserView } from "./types.js";

/** Where a new passkey-first account goes: the account page, at its recovery codes. */
export const AFTER_PASSKEY_FIRST = "/account#recovery-title";

/**
 * Shows `section` (when this browser can make passkeys) and wires its button to the ceremony;
 * false when passkeys cannot be used here.
 */
export function wirePasskeyFirst(options: {
  section: HTMLElement;
  button: HTMLButtonElement;
  message: HTMLElement;
  path: "/invitations/passkey" | "/signup/passkey";
  token: string;
}): boolean {
  if (!passkeysSupported()) return false;
  setVisible(true, options.section);
  handleClick(
    options.button,
    options.message,
    async () => {
      const creation = await api<Record<string, unknown>>("POST", `${options.path}/options`, {
        token: options.token,
      });
      const response = await explainedPasskeyCall(() => createPasskey(creation));
      await api<UserView>("POST", options.path, {
        token: options.token,
        webauthn_response: response,
      });
      window.location.assign(AFTER_PASSKEY_FIRST);
    },
    "passkey",
  );
  return true;
}
