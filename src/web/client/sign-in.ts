/**
 * The sign-in page (`/`): name and password, then a second factor when the account has one
 * (authentication code and/or passkey, or a recovery code in their place), then a new password
 * when one must be chosen.
 * Passwordless sign-in with a passkey is offered beside the form, and in the name field's
 * autofill where the browser can (./sign-in/passkey-autofill.ts). While the server is under a
 * sign-in storm, a proof of work is solved by the page itself (./lib/proof-of-work.ts).
 * An application's sign-in (issue 21) that wants a fresh authentication or a second factor
 * asks a person already signed in to confirm it is you (./sign-in/reauthentication-step.ts).
 */
import { api, ApiError } from "./lib/api.js";
import { byId, fieldValue, handleClick, handleForm, setVisible, showMessage } from "./lib/dom.js";
import {
  followSavedLocale,
  mountLocalePicker,
  offeredLocales,
  rememberLocale,
  t,
} from "./lib/i18n.js";
import {
  explainedPasskeyCall,
  freshPasskeyOptions,
  passkeysSupported,
  usePasskey,
} from "./lib/passkeys.js";
import { wirePasswordForm } from "./lib/password-form.js";
import { signInRequest } from "./lib/proof-of-work.js";
import { getMe } from "./lib/session.js";
import { describeError, reauthenticationAsked, safeNext, type MessageContext } from "./lib/text.js";
import type { TwoFaRequired, UserView } from "./lib/types.js";
import { showReauthentication, wireSwitchUser } from "./sign-in/reauthentication-step.js";
import { startPasskeyAutofill, stopPasskeyAutofill } from "./sign-in/passkey-autofill.js";
import {
  askUpstreamSecondFactor,
  explainPendingLink,
  providerOutcome,
  showProviderButtons,
  showProviderError,
  UPSTREAM_SECOND_FACTOR_PATH,
} from "./sign-in/providers.js";

// The language picker: the choice is remembered in this browser (nobody is signed in to save it).
mountLocalePicker();

const next = safeNext(window.location.search);
/** An application's sign-in asks a person already signed in to authenticate again. */
const reauthenticate = reauthenticationAsked(window.location.search);

const steps = {
  credentials: byId("credentials-step"),
  secondFactor: byId("second-factor-step"),
  changePassword: byId("change-password-step"),
  reauthenticate: byId("reauthenticate-step"),
};

/** The credentials typed in step 1: sent again with the second factor, never stored. */
let pending: { name: string; password: string } | null = null;
/** Request options for the passkey second factor, used once. */
let pendingPasskeyOptions: Record<string, unknown> | null = null;
/** What the server asked for at the second step (to go back from the recovery code form). */
let pendingRequired: TwoFaRequired | null = null;
let signedInUser: UserView | null = null;
/** Issue 22: the second factor of an upstream sign-in goes to its own route, with no password. */
let upstreamSecondFactor = false;

/** `POST /login` with the pending credentials and `fields`, or the upstream sign-in's route. */
function sendSecondFactor(fields: Record<string, unknown>): Promise<UserView> {
  if (upstreamSecondFactor) return api<UserView>("POST", UPSTREAM_SECOND_FACTOR_PATH, fields);
  // The password is checked again: under a storm it may ask for a proof of work (issue 20).
  return signInRequest<UserView>({ ...pending, ...fields }, byId("second-factor-message"));
}

function showStep(step: HTMLElement): void {
  for (const each of Object.values(steps)) setVisible(each === step, each);
  // Move focus to the new step's heading so keyboard and screen-reader users follow along.
  step.querySelector<HTMLElement>("h1")?.focus();
}

function afterSignIn(user: UserView): void {
  signedInUser = user;
  // The person's saved language goes with them: remembered here, so the next page shows in it.
  rememberSavedLocale(user);
  if (user.must_change_password) {
    const known = pending?.password ?? null;
    setVisible(known === null, byId("current-password-field"));
    byId<HTMLInputElement>("current-password").disabled = known !== null;
    showStep(steps.changePassword);
    return;
  }
  pending = null;
  window.location.assign(next);
}

/**
 * Remembers the signed-in person's saved language for the pages (the cookie) without reloading
 * this page: the page the sign-in goes on to is shown in it. (A step of this page still to come,
 * the password change, stays in the page's language.)
 */
function rememberSavedLocale(user: UserView): void {
  const saved = user.locale;
  if (typeof saved === "string" && offeredLocales().some(({ tag }) => tag === saved)) {
    rememberLocale(saved);
  }
}

function resetToCredentials(): void {
  pending = null;
  upstreamSecondFactor = false;
  pendingPasskeyOptions = null;
  pendingRequired = null;
  byId<HTMLFormElement>("totp-form").reset();
  byId<HTMLFormElement>("recovery-form").reset();
  showMessage(byId("second-factor-message"), "");
  showStep(steps.credentials);
  byId("password").focus();
  void startPasskeyAutofill(autofill);
}

/** A passkey chosen in the name field's autofill signs in like the passkey button. */
const autofill = {
  signedIn(user: UserView): void {
    pending = null;
    afterSignIn(user);
  },
  failed(error: unknown): void {
    showMessage(byId("sign-in-message"), describeError(error, "passkey"), "error");
  },
};

// Step 1: name and password.
const signInForm = byId<HTMLFormElement>("sign-in-form");
handleForm(signInForm, {
  message: byId("sign-in-message"),
  context: "sign-in",
  submit: async () => {
    const credentials = {
      name: fieldValue(signInForm, "name"),
      password: fieldValue(signInForm, "password", true),
    };
    try {
      const user = await signInRequest<UserView>(credentials, byId("sign-in-message"));
      pending = credentials;
      signInForm.reset();
      afterSignIn(user);
    } catch (error) {
      if (error instanceof ApiError && error.code === "email_not_verified") {
        showUnverified(credentials.name);
      }
      if (error instanceof ApiError && error.code === "two_fa_required") {
        pending = credentials;
        signInForm.reset();
        showSecondFactor(error.extra as unknown as TwoFaRequired);
        return;
      }
      throw error;
    }
  },
});

// Step 2: the second factor the account has.
function showSecondFactor(required: TwoFaRequired): void {
  const totp = required.totp_supported;
  const passkey = required.webauthn_supported && passkeysSupported();
  pendingRequired = required;
  stopPasskeyAutofill();
  pendingPasskeyOptions = required.webauthn_options ?? null;
  setVisible(false, byId("recovery-form"));
  setVisible(required.recovery_supported, byId("recovery-toggle-row"));
  byId("recovery-toggle").textContent = t("sign_in.recovery_toggle");
  setVisible(totp, byId("totp-form"));
  setVisible(passkey, byId("use-passkey"));
  setVisible(totp && passkey, byId("second-factor-or"));
  byId("second-factor-intro").textContent = t(
    totp && passkey
      ? "sign_in.intro_totp_passkey"
      : totp
        ? "sign_in.intro_totp"
        : passkey
          ? "sign_in.intro_passkey"
          : "sign_in.intro_no_passkey",
  );
  showMessage(byId("second-factor-message"), "");
  showStep(steps.secondFactor);
  if (totp) byId("two-fa-code").focus();
}

/**
 * A form of the second step: its one field goes to `POST /login` with the pending credentials.
 * A refused value is selected so the next one replaces it.
 */
function wireSecondFactorForm(id: string, field: string, context: MessageContext): void {
  handleForm(byId<HTMLFormElement>(id), {
    message: byId("second-factor-message"),
    context,
    submit: async (form) => {
      if (pending === null && !upstreamSecondFactor) return resetToCredentials();
      let user: UserView;
      try {
        user = await sendSecondFactor({ [field]: fieldValue(form, field) });
      } catch (error) {
        form.querySelector<HTMLInputElement>(`[name="${field}"]`)?.select();
        throw error;
      }
      afterSignIn(user);
    },
  });
}

wireSecondFactorForm("totp-form", "two_fa_code", "second-factor");

handleClick(
  byId<HTMLButtonElement>("use-passkey"),
  byId("second-factor-message"),
  async () => {
    if (pending === null && !upstreamSecondFactor) return resetToCredentials();
    // The first challenge is used once; then the password is checked again for a fresh one.
    const options =
      pendingPasskeyOptions ?? (await freshPasskeyOptions(() => sendSecondFactor({})));
    pendingPasskeyOptions = null;
    const response = await explainedPasskeyCall(() => usePasskey(options));
    const user = await sendSecondFactor({ webauthn_response: response });
    afterSignIn(user);
  },
  "passkey",
);

/** "Use your authenticator app instead", "… passkey …" or both: the factors the account has. */
function backToFactorText(required: TwoFaRequired): string {
  const totp = required.totp_supported;
  const passkey = required.webauthn_supported;
  return t(
    totp && passkey
      ? "sign_in.back_to_totp_passkey"
      : totp
        ? "sign_in.back_to_totp"
        : passkey
          ? "sign_in.back_to_passkey"
          : "sign_in.back",
  );
}

// A recovery code in place of the second factor (issue 11 item 2).
byId("recovery-toggle").addEventListener("click", () => {
  const showing = !byId("recovery-form").hidden;
  if (showing && pendingRequired !== null) {
    showSecondFactor(pendingRequired);
    return;
  }
  for (const id of ["totp-form", "use-passkey", "second-factor-or"]) setVisible(false, byId(id));
  setVisible(true, byId("recovery-form"));
  byId("second-factor-intro").textContent = t("sign_in.intro_recovery");
  byId("recovery-toggle").textContent =
    pendingRequired === null ? t("sign_in.back") : backToFactorText(pendingRequired);
  showMessage(byId("second-factor-message"), "");
  byId("recovery-code").focus();
});

wireSecondFactorForm("recovery-form", "recovery_code", "recovery-code");

byId("start-over").addEventListener("click", resetToCredentials);

// Issue 12: an address to confirm before signing in, and "send the link again".
let unverifiedName: string | null = null;
function showUnverified(name: string): void {
  unverifiedName = name;
  showMessage(byId("resend-message"), "");
  setVisible(true, byId("unverified"));
}
handleClick(byId<HTMLButtonElement>("resend-verification"), byId("resend-message"), async () => {
  if (unverifiedName === null) return;
  await api("POST", "/email/verify/resend", { name: unverifiedName });
  showMessage(byId("resend-message"), t("sign_in.resend_done"), "success");
});
// The link to sign-up is shown by the server while sign-up is open (data-needs-page): no probe.

// Passwordless: sign in with a passkey alone.
if (passkeysSupported()) {
  setVisible(true, byId("passkey-sign-in"));
  handleClick(
    byId<HTMLButtonElement>("passkey-button"),
    byId("passkey-message"),
    async () => {
      // One WebAuthn request at a time: the autofill's conditional one ends first.
      stopPasskeyAutofill();
      let options: Record<string, unknown>;
      try {
        options = await api<Record<string, unknown>>("POST", "/login/passkey/options");
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          throw new Error(t("sign_in.passkey_disabled"), { cause: error });
        }
        throw error;
      }
      let response: unknown;
      try {
        response = await explainedPasskeyCall(() => usePasskey(options));
      } catch (error) {
        void startPasskeyAutofill(autofill);
        throw error;
      }
      pending = null;
      afterSignIn(await api<UserView>("POST", "/login/passkey", { webauthn_response: response }));
    },
    "passkey",
  );
}

// Step 3: a new password when the current one was set by someone else.
wirePasswordForm({
  form: byId<HTMLFormElement>("change-password-form"),
  message: byId("change-password-message"),
  user: () => {
    if (signedInUser === null) throw new Error(t("sign_in.not_signed_in"));
    return signedInUser;
  },
  knownPassword: () => pending?.password ?? null,
  done: () => {
    pending = null;
    window.location.assign(next);
  },
});

// Issue 22: a button per sign-in provider, and what the provider's redirect back says.
void showProviderButtons();
const upstream = providerOutcome(window.location.search);
if (upstream.error !== null) showProviderError(upstream.error);
if (upstream.pending === "link") void explainPendingLink();
if (upstream.pending === "second_factor") {
  upstreamSecondFactor = true;
  void askUpstreamSecondFactor(showSecondFactor);
}

// An application's sign-in asking to confirm it is you: the step, or sign in as someone else.
wireSwitchUser(resetToCredentials);

// Someone already signed in goes straight on (or to the password change they still owe), unless
// the application asks them to authenticate again; a fresh sign-in here satisfies it.
void (async () => {
  try {
    const me = await getMe();
    // Only while the name and password are asked: not once the person went on to a second
    // factor (its passkey button needs the one request), nor during an upstream sign-in's.
    if (me === null) {
      if (!steps.credentials.hidden && !upstreamSecondFactor) void startPasskeyAutofill(autofill);
      return;
    }
    // A step of this page for them: shown in their saved language (the page reloads in it
    // first when it is in another one). Going straight on, the next page is shown in it.
    const staying =
      me.must_change_password || (reauthenticate !== null && me.two_fa_enrolment_required !== true);
    if (staying && followSavedLocale(me.locale)) return;
    if (me.must_change_password) afterSignIn(me);
    // Owing a second factor, the interaction sends them to set one up first.
    else if (reauthenticate !== null && me.two_fa_enrolment_required !== true) {
      await showReauthentication(me, { mode: reauthenticate, next, show: showStep });
    } else {
      rememberSavedLocale(me);
      window.location.replace(next);
    }
  } catch (error) {
    showMessage(byId("sign-in-message"), describeError(error), "error");
  }
})();
