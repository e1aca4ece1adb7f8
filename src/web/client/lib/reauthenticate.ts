/**
 * t("common.reauth_title") (issue 11 item 4): the password, a code from the authenticator app or a
 * passkey (the methods the server names) sent to `POST /reauthenticate`.
 *
 * - Inline on the account page: when a sensitive action answers `reauthentication_required`, a
 *   modal dialog asks, and the action carries on (`api` sends it again).
 * - On the sign-in page (issue 21): an application asks a person already signed in to
 *   authenticate again, or with a second factor; the same forms, in a step of the page.
 */
import { api, onReauthenticationRequired } from "./api.js";
import { busy, fieldValue, h, showMessage } from "./dom.js";
import { t } from "./i18n.js";
import { describePasskeyError, passkeysSupported, usePasskey } from "./passkeys.js";
import { describeError } from "./text.js";

/** Makes `api` ask inline whenever a sensitive action needs a recent authentication. */
export function askForReauthenticationInline(): void {
  onReauthenticationRequired(askToReauthenticate);
}

/** The forms of a re-authentication, to put in a dialog or a page. */
export interface ReauthenticationForms {
  /** The password form, the code form, the passkey button: those the methods allow. */
  readonly parts: HTMLElement[];
  /** The announced message region (put it after the parts). */
  readonly message: HTMLElement;
  /** Moves the focus to the first field (or the passkey button). */
  focus(): void;
}

let formsCount = 0;

/**
 * The forms for `methods` (`password`, `totp`, `webauthn`; a passkey only where the browser
 * can use one); `done` runs once `POST /reauthenticate` succeeded. A failure is shown in the
 * message region.
 */
export function reauthenticationForms(
  methods: readonly string[],
  done: () => void,
): ReauthenticationForms {
  formsCount += 1;
  const id = (name: string) => `reauth-${name}-${formsCount}`;
  const message = h("p", {
    className: "message",
    "aria-live": "assertive",
    "aria-atomic": "true",
  });
  const parts: HTMLElement[] = [];

  let passwordForm: HTMLFormElement | null = null;
  if (methods.includes("password")) {
    passwordForm = h(
      "form",
      { novalidate: true },
      h(
        "div",
        { className: "field" },
        h("label", { for: id("password") }, t("common.reauth_password_label")),
        h("input", {
          id: id("password"),
          name: "password",
          type: "password",
          autocomplete: "current-password",
          maxlength: "1024",
          required: true,
        }),
      ),
      h("button", { type: "submit", className: "primary" }, t("common.reauth_with_password")),
    );
    parts.push(passwordForm);
  }

  let codeForm: HTMLFormElement | null = null;
  if (methods.includes("totp")) {
    codeForm = h(
      "form",
      { novalidate: true },
      h(
        "div",
        { className: "field" },
        h(
          "label",
          { for: id("code") },
          t(passwordForm === null ? "common.reauth_code_label" : "common.reauth_code_label_or"),
        ),
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
      h(
        "button",
        { type: "submit", className: passwordForm === null ? "primary" : "secondary" },
        t("common.reauth_with_code"),
      ),
    );
    parts.push(codeForm);
  }

  let passkeyButton: HTMLButtonElement | null = null;
  if (methods.includes("webauthn") && passkeysSupported()) {
    passkeyButton = h(
      "button",
      { type: "button", className: "secondary" },
      t("common.reauth_use_passkey"),
    );
    parts.push(h("div", { className: "actions" }, passkeyButton));
  }

  let finished = false;
  const attempt = async (container: HTMLElement, answer: () => Promise<unknown>) => {
    if (finished) return;
    showMessage(message, "");
    await busy(container, async () => {
      try {
        await api("POST", "/reauthenticate", await answer());
        finished = true;
        done();
      } catch (error) {
        const passkeyProblem = describePasskeyError(error);
        showMessage(
          message,
          passkeyProblem ??
            describeError(error, container === passwordForm ? "password-change" : "second-factor"),
          "error",
        );
        container.querySelector("input")?.select();
      }
    });
  };
  const onSubmit = (form: HTMLFormElement, answer: () => unknown) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!form.checkValidity()) {
        showMessage(message, t("common.fill_in_field"), "error");
        form.querySelector("input")?.focus();
        return;
      }
      void attempt(form, async () => answer());
    });
  };
  if (passwordForm !== null) {
    const form = passwordForm;
    onSubmit(form, () => ({ password: fieldValue(form, "password", true) }));
  }
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

  return {
    parts,
    message,
    focus: () => {
      const first = parts[0];
      (first?.querySelector<HTMLElement>("input, button") ?? first)?.focus();
    },
  };
}

let dialogCount = 0;

/** Shows the dialog; resolves true once re-authenticated, false when cancelled. */
export function askToReauthenticate(methods: readonly string[]): Promise<boolean> {
  dialogCount += 1;
  const titleId = `reauth-title-${dialogCount}`;
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(ok);
    };
    const forms = reauthenticationForms(methods, () => finish(true));
    const cancel = h("button", { type: "button", className: "link" }, t("common.cancel"));
    const dialog = h(
      "dialog",
      { className: "card reauth", "aria-labelledby": titleId },
      h("h2", { id: titleId }, t("common.reauth_title")),
      h("p", {}, t("common.reauth_intro")),
      ...forms.parts,
      forms.message,
      h("div", { className: "actions" }, cancel),
    );
    document.body.append(dialog);
    cancel.addEventListener("click", () => finish(false));
    // Escape closes a modal dialog: that is a cancel too.
    dialog.addEventListener("close", () => finish(false));
    dialog.showModal();
    forms.focus();
  });
}
