/**
 * The reset page (`/reset-password`): without a token, "Forgot your password?" asks for the
 * name or email and mails a link (`POST /password/forgot`); with `#token=…` from that link, it
 * asks for the new password, and the second factor when the account has one
 * (`POST /password/reset-with-token`). The token stays in the fragment (never sent to the server
 * as part of the address) and is dropped from the address bar at once.
 */
import { api, ApiError } from "./lib/api.js";
import { byId, fieldValue, handleClick, handleForm, setVisible, showMessage } from "./lib/dom.js";
import { takeFragmentToken } from "./lib/fragment.js";
import {
  explainedPasskeyCall,
  freshPasskeyOptions,
  passkeysSupported,
  usePasskey,
} from "./lib/passkeys.js";
import { mountLocalePicker, t } from "./lib/i18n.js";
import type { TwoFaRequired } from "./lib/types.js";

mountLocalePicker();

const steps = {
  request: byId("request-step"),
  reset: byId("reset-step"),
  done: byId("done-step"),
};

function showStep(step: HTMLElement): void {
  for (const each of Object.values(steps)) setVisible(each === step, each);
  step.querySelector<HTMLElement>("h1")?.focus();
}

const token = takeFragmentToken();
if (token !== null) showStep(steps.reset);

const forgotForm = byId<HTMLFormElement>("forgot-form");
handleForm(forgotForm, {
  message: byId("forgot-message"),
  submit: async () => {
    const answer = await api<{ detail: string }>("POST", "/password/forgot", {
      name: fieldValue(forgotForm, "name"),
    });
    forgotForm.reset();
    showMessage(
      byId("forgot-message"),
      t("reset_password.link_sent", { detail: answer.detail }),
      "success",
    );
  },
});

const resetForm = byId<HTMLFormElement>("reset-form");
let passkeyOptions: Record<string, unknown> | null = null;

function resetBody(extra: Record<string, unknown>): Record<string, unknown> {
  return { token, new_password: fieldValue(resetForm, "new_password", true), ...extra };
}

function validate(): { field: HTMLElement; text: string } | null {
  const confirm = byId<HTMLInputElement>("reset-confirm-password");
  if (fieldValue(resetForm, "new_password", true) !== confirm.value) {
    return { field: confirm, text: t("reset_password.passwords_differ") };
  }
  return null;
}

async function submitReset(extra: Record<string, unknown>): Promise<void> {
  try {
    await api("POST", "/password/reset-with-token", resetBody(extra));
  } catch (error) {
    if (error instanceof ApiError && error.code === "two_fa_required") {
      const required = error.extra as unknown as TwoFaRequired;
      setVisible(required.totp_supported, byId("reset-code-field"));
      byId<HTMLInputElement>("reset-code").required = required.totp_supported;
      passkeyOptions = required.webauthn_options ?? null;
      setVisible(required.webauthn_supported && passkeysSupported(), byId("reset-passkey"));
      throw new Error(
        required.totp_supported
          ? t("reset_password.second_factor_code")
          : t("reset_password.second_factor_passkey"),
        { cause: error },
      );
    }
    if (error instanceof ApiError && error.code === "invalid_email_token") {
      throw new Error(t("reset_password.link_invalid"), { cause: error });
    }
    throw error;
  }
  resetForm.reset();
  showStep(steps.done);
}

handleForm(resetForm, {
  message: byId("reset-message"),
  context: "password-change",
  validate,
  submit: async () => {
    const code = byId<HTMLInputElement>("reset-code");
    await submitReset(code.required ? { two_fa_code: fieldValue(resetForm, "two_fa_code") } : {});
  },
});

handleClick(
  byId<HTMLButtonElement>("reset-passkey"),
  byId("reset-message"),
  async () => {
    const problem = validate();
    if (problem !== null) throw new Error(problem.text);
    // The first challenge is used once; then ask for a fresh one.
    const options =
      passkeyOptions ??
      (await freshPasskeyOptions(() => api("POST", "/password/reset-with-token", resetBody({}))));
    passkeyOptions = null;
    const response = await explainedPasskeyCall(() => usePasskey(options));
    await submitReset({ webauthn_response: response });
  },
  "passkey",
);
