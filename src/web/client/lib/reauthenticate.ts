/**
 * "Confirm it is you", inline (issue 11 item 4): when a sensitive action answers
 * `reauthentication_required`, a modal dialog asks for the password, a code from the
 * authenticator app or a passkey (the methods the server names), calls `POST /reauthenticate`,
 * and the action carries on (`api` sends it again).
 */
import { api, onReauthenticationRequired } from "./api.js";
import { busy, fieldValue, h, showMessage } from "./dom.js";
import { describePasskeyError, passkeysSupported, usePasskey } from "./passkeys.js";
import { describeError } from "./text.js";

/** Makes `api` ask inline whenever a sensitive action needs a recent authentication. */
export function askForReauthenticationInline(): void {
  onReauthenticationRequired(askToReauthenticate);
}

let dialogCount = 0;

/** Shows the dialog; resolves true once re-authenticated, false when cancelled. */
export function askToReauthenticate(methods: readonly string[]): Promise<boolean> {
  dialogCount += 1;
  const id = (name: string) => `reauth-${name}-${dialogCount}`;
  const message = h("p", {
    className: "message",
    "aria-live": "assertive",
    "aria-atomic": "true",
  });
  const title = h("h2", { id: id("title") }, "Confirm it is you");
  const parts: HTMLElement[] = [
    title,
    h("p", {}, "This change needs a recent sign-in. Confirm it is you to carry on."),
  ];

  const passwordForm = h(
    "form",
    { novalidate: true },
    h(
      "div",
      { className: "field" },
      h("label", { for: id("password") }, "Your password"),
      h("input", {
        id: id("password"),
        name: "password",
        type: "password",
        autocomplete: "current-password",
        maxlength: "1024",
        required: true,
      }),
    ),
    h("button", { type: "submit", className: "primary" }, "Confirm with password"),
  );
  parts.push(passwordForm);

  let codeForm: HTMLFormElement | null = null;
  if (methods.includes("totp")) {
    codeForm = h(
      "form",
      { novalidate: true },
      h(
        "div",
        { className: "field" },
        h("label", { for: id("code") }, "Or a code from your authenticator app"),
        h("input", {
          id: id("code"),
          name: "code",
          type: "text",
          inputmode: "numeric",
          autocomplete: "one-time-code",
          maxlength: "12",
          required: true,
        }),
      ),
      h("button", { type: "submit", className: "secondary" }, "Confirm with code"),
    );
    parts.push(codeForm);
  }

  let passkeyButton: HTMLButtonElement | null = null;
  if (methods.includes("webauthn") && passkeysSupported()) {
    passkeyButton = h("button", { type: "button", className: "secondary" }, "Use a passkey");
    parts.push(h("div", { className: "actions" }, passkeyButton));
  }
  const cancel = h("button", { type: "button", className: "link" }, "Cancel");
  parts.push(message, h("div", { className: "actions" }, cancel));

  const dialog = h(
    "dialog",
    { className: "card reauth", "aria-labelledby": id("title") },
    ...parts,
  );
  document.body.append(dialog);

  return new Promise<boolean>((resolve) => {
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(ok);
    };
    const attempt = async (container: HTMLElement, answer: () => Promise<unknown>) => {
      showMessage(message, "");
      await busy(container, async () => {
        try {
          await api("POST", "/reauthenticate", await answer());
          finish(true);
        } catch (error) {
          const passkeyProblem = describePasskeyError(error);
          showMessage(
            message,
            passkeyProblem ??
              describeError(
                error,
                container === passwordForm ? "password-change" : "second-factor",
              ),
            "error",
          );
        }
      });
    };
    const onSubmit = (form: HTMLFormElement, answer: () => unknown) => {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!form.checkValidity()) {
          showMessage(message, "Fill in the field first.", "error");
          form.querySelector("input")?.focus();
          return;
        }
        void attempt(form, async () => answer());
      });
    };
    onSubmit(passwordForm, () => ({ password: fieldValue(passwordForm, "password", true) }));
    if (codeForm !== null) {
      const form = codeForm;
      onSubmit(form, () => ({ two_fa_code: fieldValue(form, "code") }));
    }
    passkeyButton?.addEventListener("click", () => {
      const button = passkeyButton as HTMLButtonElement;
      void attempt(button, async () => {
        const options = await api<Record<string, unknown>>("POST", "/reauthenticate/options");
        return { webauthn_response: await usePasskey(options) };
      });
    });
    cancel.addEventListener("click", () => finish(false));
    // Escape closes a modal dialog: that is a cancel too.
    dialog.addEventListener("close", () => finish(false));
    dialog.showModal();
    passwordForm.querySelector("input")?.focus();
  });
}
