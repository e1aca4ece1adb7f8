/**
 * Passkey autofill on the sign-in page (issue 24 item 1). Where the browser can offer passkeys
 * in the name field's autofill (`autocomplete="username webauthn"`, conditional mediation), a
 * conditional request over fresh passwordless options (`POST /login/passkey/options`) waits
 * from the page's load on; the passkey chosen there goes to `POST /login/passkey`, the same
 * passwordless sign-in as the "Sign in with a passkey" button, with all it enforces.
 *
 * One WebAuthn request at a time: `stopPasskeyAutofill` aborts the conditional request before
 * the page starts another (the explicit button, the second factor's passkey); simplewebauthn's
 * WebAuthnAbortService would abort it anyway when the next request starts. Where autofill is
 * not available nothing here runs, and the password form is as it was.
 */
import { api } from "../lib/api.js";
import {
  cancelPendingPasskeyCall,
  explainedPasskeyCall,
  passkeyAutofillAvailable,
  passkeyCallAborted,
  usePasskeyFromAutofill,
} from "../lib/passkeys.js";
import type { UserView } from "../lib/types.js";

/** What the page does with the outcome of a passkey chosen from the autofill. */
export interface PasskeyAutofillHandlers {
  signedIn(user: UserView): void;
  /** The sign-in with the chosen passkey failed (its sentence is the error's message). */
  failed(error: unknown): void;
}

/** Counts starts and stops: a request started before the last stop is stale. */
let generation = 0;
/** Whether a conditional request of the current generation is pending. */
let pending = false;

/**
 * Starts the conditional request when the browser offers passkey autofill and none is pending;
 * resolves once it is pending (or not started). After a failed sign-in with a chosen passkey it
 * starts again (a challenge works once).
 */
export async function startPasskeyAutofill(handlers: PasskeyAutofillHandlers): Promise<void> {
  if (pending || !(await passkeyAutofillAvailable())) return;
  generation += 1;
  const mine = generation;
  pending = true;
  let options: Record<string, unknown>;
  try {
    options = await api<Record<string, unknown>>("POST", "/login/passkey/options");
  } catch {
    // Not enabled (404) or refused for now (429): the explicit button says why when used.
    if (mine === generation) pending = false;
    return;
  }
  if (mine !== generation) return;
  void (async () => {
    let response: unknown;
    try {
      response = await explainedPasskeyCall(() => usePasskeyFromAutofill(options));
    } catch (error) {
      if (mine === generation) pending = false;
      // Aborted for another request of this page: nothing to say.
      if (!passkeyCallAborted(error) && !passkeyCallAborted((error as Error).cause)) {
        handlers.failed(error);
      }
      return;
    }
    if (mine === generation) pending = false;
    try {
      handlers.signedIn(
        await api<UserView>("POST", "/login/passkey", { webauthn_response: response }),
      );
    } catch (error) {
      handlers.failed(error);
      void startPasskeyAutofill(handlers);
    }
  })();
}

/** Aborts the pending conditional request, if any, before another WebAuthn request. */
export function stopPasskeyAutofill(): void {
  generation += 1;
  if (!pending) return;
  pending = false;
  cancelPendingPasskeyCall();
}
