/**
 * The account page (`/account`): change the password, the authenticator app (TOTP: set up
 * with a QR code, confirm, turn off), passkeys (add, rename, remove), recovery codes (made and
 * shown once, copied or downloaded, "I have saved them"; a prompt when 2 or fewer are left),
 * where you're signed in (sign out one session, all the others, or everywhere). A user who owes
 * a second factor (`TESSERA_REQUIRE_2FA`) sees only the password and the two ways to set one up;
 * sensitive actions ask "Confirm it is you" inline when the sign-in is too old.
 */
import { showActivity } from "./lib/activity.js";
import QRCode from "qrcode";
import { api, ApiError } from "./lib/api.js";
import {
  byId,
  fieldValue,
  h,
  handleClick,
  handleForm,
  hiddenText,
  setVisible,
  showMessage,
} from "./lib/dom.js";
import { wireEmailSection } from "./lib/email-section.js";
import { renderHeader } from "./lib/header.js";
import { askForReauthenticationInline } from "./lib/reauthenticate.js";
import { createPasskey, explainedPasskeyCall, passkeysSupported } from "./lib/passkeys.js";
import {
  RECOVERY_CODES_FILE_NAME,
  describeRecoveryStatus,
  lowRecoveryCodesPrompt,
  recoveryCodesText,
} from "./lib/recovery-codes.js";
import { MAX_PASSKEY_NAME_LENGTH } from "../../contract/limits.js";
import { wirePasswordForm } from "./lib/password-form.js";
import { getMe, goToSignIn } from "./lib/session.js";
import { describeSession, endSession, loadSessions } from "./lib/sessions.js";
import { describeError, formatDateTime, groupSecret } from "./lib/text.js";
import type {
  PasskeyView,
  RecoveryCodesResponse,
  RecoveryCodesStatus,
  SessionView,
  TotpSetup,
  UserView,
} from "./lib/types.js";

/** Size of the QR code image in CSS pixels (the otpauth URI fits version ~10 at level M). */
const QR_CODE_WIDTH_PX = 200;

let me: UserView;

function userPath(suffix: string): string {
  return `/users/${encodeURIComponent(me.id)}${suffix}`;
}

async function main(): Promise<void> {
  const user = await getMe();
  if (user === null) return goToSignIn("/account");
  // The password change comes first; the sign-in page asks for it.
  if (user.must_change_password) return window.location.replace("/?next=/account");
  me = user;
  renderHeader(me);
  byId("me-name").textContent = me.name;
  byId("me-email").textContent = me.email;
  setVisible(true, byId("account-content"));
  setVisible(false, byId("loading"));
  askForReauthenticationInline();
  // Enrolment first (issue 11 item 3): everything else answers 403 until a factor is set up.
  const enrolling = me.two_fa_enrolment_required === true;
  setVisible(enrolling, byId("enrolment-notice"));
  setVisible(!enrolling, byId("sessions-card"), byId("activity-card"), byId("recovery-card"));

  wirePasswordForm({
    form: byId<HTMLFormElement>("password-form"),
    message: byId("password-message"),
    user: () => me,
    done: (updated) => {
      me = updated;
    },
  });
  await wireEmailSection(user, (updated) => {
    me = updated;
    byId("me-email").textContent = me.email;
  });
  wireTotp();
  const passkeysShown = wirePasskeys();
  if (enrolling) {
    byId("enrolment-title").focus();
    return;
  }
  wireRecoveryCodes(user.recovery_codes_low ? user.recovery_codes_left : null, passkeysShown);
  await wireSessions();
  void showActivity(`/users/${me.id}/audit?limit=10`, {
    list: "activity-list",
    more: "activity-more",
    message: "activity-message",
  });
  handleClick(
    byId<HTMLButtonElement>("sign-out-everywhere"),
    byId("sessions-message"),
    async () => {
      await api("POST", "/logout/all");
      window.location.assign("/");
    },
  );
}

// --- Where you're signed in ---

async function wireSessions(): Promise<void> {
  const message = byId("sessions-message");
  handleClick(byId<HTMLButtonElement>("end-other-sessions"), message, async () => {
    const result = await api<{ ended: number }>("POST", userPath("/sessions/end-others"));
    await showSessions();
    showMessage(
      message,
      result.ended === 1
        ? "1 other session signed out."
        : `${result.ended} other sessions signed out.`,
      "success",
    );
  });
  await showSessions();
}

async function showSessions(): Promise<void> {
  const sessions = await loadSessions(me.id);
  byId("session-list").replaceChildren(...sessions.map(sessionItem));
  setVisible(
    sessions.some((s) => !s.current),
    byId<HTMLButtonElement>("end-other-sessions"),
  );
}

function sessionItem(session: SessionView): HTMLLIElement {
  const device = session.device ?? "Unknown device";
  const title = h("span", { className: "item-title" }, device);
  if (session.current) title.append(" ", h("span", { className: "badge on" }, "This device"));
  const item = h(
    "li",
    { className: "item" },
    h(
      "div",
      { className: "item-main" },
      title,
      h("span", { className: "meta" }, describeSession(session)),
    ),
  );
  if (!session.current) {
    const button = h("button", { type: "button", className: "danger small" }, "Sign out");
    button.append(hiddenText(` ${device}`));
    item.append(h("div", { className: "actions" }, button));
    handleClick(button, byId("sessions-message"), async () => {
      await endSession(me.id, session.id);
      await showSessions();
      showMessage(byId("sessions-message"), `${device} signed out.`, "success");
      byId("sessions-title").focus();
    });
  }
  item.dataset.id = session.id;
  return item;
}

// --- Authenticator app (TOTP) ---

function showTotpState(configured: boolean): void {
  byId("totp-status").textContent = configured ? "On" : "Off";
  byId("totp-status").className = configured ? "badge on" : "badge";
  setVisible(!configured, byId("totp-off"));
  setVisible(configured, byId("totp-on"));
  setVisible(false, byId("totp-setup"));
}

function wireTotp(): void {
  const message = byId("totp-message");
  showTotpState(me.totp_enabled);

  handleClick(byId<HTMLButtonElement>("totp-setup-start"), message, async () => {
    const setup = await api<TotpSetup>("POST", userPath("/2fa/totp/setup"));
    const image = byId<HTMLImageElement>("totp-qr");
    image.src = await QRCode.toDataURL(setup.otpauth_uri, {
      errorCorrectionLevel: "M",
      margin: 1,
      width: QR_CODE_WIDTH_PX * 2, // crisp on high-density screens; CSS sizes it
    });
    byId("totp-secret").textContent = groupSecret(setup.secret);
    // On a phone the app is on the same screen: the otpauth:// link opens it (RFC 6238 apps
    // register the scheme); only a URI of that scheme is ever put in the link.
    const link = byId<HTMLAnchorElement>("totp-link");
    if (setup.otpauth_uri.startsWith("otpauth://")) link.href = setup.otpauth_uri;
    else link.removeAttribute("href");
    setVisible(false, byId("totp-off"));
    setVisible(true, byId("totp-setup"));
    byId("totp-setup-title").focus();
  });

  const confirmForm = byId<HTMLFormElement>("totp-confirm-form");
  handleForm(confirmForm, {
    message,
    context: "second-factor",
    submit: async () => {
      await api("POST", userPath("/2fa/totp/confirm"), {
        code: fieldValue(confirmForm, "code"),
      });
      confirmForm.reset();
      if (me.two_fa_enrolment_required === true) return window.location.reload();
      me = { ...me, totp_enabled: true };
      showTotpState(true);
      updateRecoveryCodes();
      showMessage(
        message,
        "The authenticator app is set up. You will be asked for a code when you sign in.",
        "success",
      );
      byId("totp-title").focus();
    },
  });

  byId("totp-setup-cancel").addEventListener("click", () => {
    confirmForm.reset();
    byId<HTMLImageElement>("totp-qr").removeAttribute("src");
    byId("totp-secret").textContent = "";
    byId<HTMLAnchorElement>("totp-link").href = "#";
    showTotpState(false);
    showMessage(message, "");
    byId("totp-setup-start").focus();
  });

  const disableForm = byId<HTMLFormElement>("totp-disable-form");
  handleForm(disableForm, {
    message,
    context: "second-factor",
    submit: async () => {
      await api("POST", userPath("/2fa/totp/disable"), {
        code: fieldValue(disableForm, "code"),
      });
      disableForm.reset();
      me = { ...me, totp_enabled: false };
      showTotpState(false);
      updateRecoveryCodes(); // the last factor takes the codes with it
      showMessage(message, "The authenticator app is turned off.", "success");
      byId("totp-title").focus();
    },
  });
}

// --- Passkeys ---

let passkeys: PasskeyView[] = [];

/** Wires the passkeys section; resolves once the list is shown (or could not be). */
function wirePasskeys(): Promise<void> {
  const message = byId("passkey-message");
  const form = byId<HTMLFormElement>("passkey-add-form");
  if (!passkeysSupported()) {
    setVisible(false, form);
    showMessage(message, "This browser cannot create or use passkeys.", "info");
  }
  handleForm(form, {
    message,
    context: "passkey",
    submit: async () => {
      const name = fieldValue(form, "name");
      const options = await api<Record<string, unknown>>(
        "POST",
        userPath("/2fa/webauthn/register/options"),
      );
      const response = await explainedPasskeyCall(() => createPasskey(options));
      await api("POST", userPath("/2fa/webauthn/register/verify"), { response, name });
      form.reset();
      if (me.two_fa_enrolment_required === true) return window.location.reload();
      await loadPasskeys();
      updateRecoveryCodes(); // a first factor allows them
      showMessage(message, `Passkey “${name}” added.`, "success");
    },
  });
  // Owing a factor means having no passkey (and the list is closed until one is set up).
  if (me.two_fa_enrolment_required === true) return Promise.resolve();
  return loadPasskeys().catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) {
      setVisible(false, form, byId("passkey-empty"));
      showMessage(message, "Passkeys are not enabled on this server.", "info");
      return;
    }
    showMessage(message, describeError(error), "error");
  });
}

async function loadPasskeys(): Promise<void> {
  passkeys = await api<PasskeyView[]>("GET", userPath("/2fa/webauthn"));
  renderPasskeys();
}

function renderPasskeys(): void {
  const list = byId<HTMLUListElement>("passkey-list");
  list.replaceChildren(...passkeys.map(passkeyItem));
  setVisible(passkeys.length === 0, byId("passkey-empty"));
  setVisible(passkeys.length > 0, list);
}

function passkeyItem(passkey: PasskeyView): HTMLLIElement {
  const message = byId("passkey-message");
  const details = [
    `Added ${formatDateTime(passkey.created_at)}`,
    passkey.last_used_at === null
      ? "Never used"
      : `Last used ${formatDateTime(passkey.last_used_at)}`,
  ];
  if (passkey.backed_up === true) details.push("Synced");
  const renameButton = h("button", { type: "button", className: "secondary small" }, "Rename");
  renameButton.append(hiddenText(` ${passkey.name}`));
  const removeButton = h("button", { type: "button", className: "danger small" }, "Remove");
  removeButton.append(hiddenText(` ${passkey.name}`));
  const actions = h("div", { className: "actions" }, renameButton, removeButton);

  const inputId = `rename-${passkey.id}`;
  const renameForm = h(
    "form",
    { className: "inline-form", hidden: true },
    h(
      "div",
      { className: "field" },
      h("label", { for: inputId }, `New name for ${passkey.name}`),
      h("input", {
        id: inputId,
        name: "name",
        required: true,
        maxlength: String(MAX_PASSKEY_NAME_LENGTH),
        autocomplete: "off",
        value: passkey.name,
      }),
    ),
    h(
      "div",
      { className: "actions" },
      h("button", { type: "submit", className: "primary small" }, "Save"),
      h("button", { type: "button", className: "secondary small", "data-cancel": true }, "Cancel"),
    ),
  );
  const confirmRemove = h(
    "div",
    { className: "confirm", hidden: true },
    h("p", {}, `Remove the passkey “${passkey.name}”? You can no longer sign in with it.`),
    h(
      "div",
      { className: "actions" },
      h("button", { type: "button", className: "danger small", "data-confirm": true }, "Remove"),
      h("button", { type: "button", className: "secondary small", "data-cancel": true }, "Cancel"),
    ),
  );
  const item = h(
    "li",
    { className: "item" },
    h(
      "div",
      { className: "item-main" },
      h("span", { className: "item-title" }, passkey.name),
      h("span", { className: "meta" }, details.join(" · ")),
    ),
    actions,
    renameForm,
    confirmRemove,
  );

  const closePanels = (focus: HTMLElement) => {
    setVisible(false, renameForm, confirmRemove);
    setVisible(true, actions);
    focus.focus();
  };
  renameButton.addEventListener("click", () => {
    setVisible(false, actions);
    setVisible(true, renameForm);
    renameForm.querySelector("input")?.select();
  });
  renameForm
    .querySelector("[data-cancel]")
    ?.addEventListener("click", () => closePanels(renameButton));
  handleForm(renameForm, {
    message,
    submit: async () => {
      const name = fieldValue(renameForm, "name");
      await api("PATCH", userPath(`/2fa/webauthn/${encodeURIComponent(passkey.id)}`), { name });
      await loadPasskeys();
      showMessage(message, `Passkey renamed to “${name}”.`, "success");
      focusItemAction(passkey.id, "Rename");
    },
  });

  removeButton.addEventListener("click", () => {
    setVisible(false, actions);
    setVisible(true, confirmRemove);
    confirmRemove.querySelector<HTMLElement>("[data-confirm]")?.focus();
  });
  confirmRemove
    .querySelector("[data-cancel]")
    ?.addEventListener("click", () => closePanels(removeButton));
  const confirmButton = confirmRemove.querySelector<HTMLButtonElement>("[data-confirm]");
  if (confirmButton !== null) {
    handleClick(confirmButton, message, async () => {
      await api("DELETE", userPath(`/2fa/webauthn/${encodeURIComponent(passkey.id)}`));
      await loadPasskeys();
      updateRecoveryCodes(); // the last factor takes the codes with it
      showMessage(message, `Passkey “${passkey.name}” removed.`, "success");
      byId("passkeys-title").focus();
    });
  }
  item.dataset.id = passkey.id;
  return item;
}

// --- Recovery codes ---

/** The set shown right now and not yet confirmed as saved (leaving the page asks first). */
let unsavedCodes: RecoveryCodesResponse | null = null;

function hasSecondFactor(): boolean {
  return me.totp_enabled || passkeys.length > 0;
}

/**
 * Shows how many codes are left once the passkeys are known (whether the user has a factor);
 * `lowLeft` (from `/me`) puts the prompt at the top.
 */
function wireRecoveryCodes(lowLeft: number | null, passkeysShown: Promise<void>): void {
  const message = byId("recovery-message");
  showRecoveryPrompt(lowLeft);
  void passkeysShown.then(updateRecoveryCodes);
  const generate = byId<HTMLButtonElement>("recovery-generate");
  generate.addEventListener("click", () => {
    if (isBusyGenerating) return;
    // A set exists: ask first, since it ends the codes the user has.
    if (generate.dataset.hasSet === "true") {
      setVisible(false, byId("recovery-actions"));
      setVisible(true, byId("recovery-confirm"));
      byId("recovery-confirm-yes").focus();
      return;
    }
    void makeRecoveryCodes(generate);
  });
  byId("recovery-confirm-no").addEventListener("click", () => {
    setVisible(false, byId("recovery-confirm"));
    setVisible(true, byId("recovery-actions"));
    generate.focus();
  });
  const yes = byId<HTMLButtonElement>("recovery-confirm-yes");
  yes.addEventListener("click", () => void makeRecoveryCodes(yes));

  handleClick(byId<HTMLButtonElement>("recovery-copy"), message, async () => {
    if (unsavedCodes === null) return;
    await navigator.clipboard.writeText(unsavedCodes.codes.join("\n"));
    showMessage(message, "The codes are copied.", "success");
  });
  byId("recovery-download").addEventListener("click", () => {
    if (unsavedCodes === null) return;
    const text = recoveryCodesText(unsavedCodes.codes, {
      name: me.name,
      site: window.location.host,
      createdAt: formatDateTime(unsavedCodes.created_at),
    });
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    const link = h("a", { href: url, download: RECOVERY_CODES_FILE_NAME });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });

  const saved = byId<HTMLInputElement>("recovery-saved");
  const done = byId<HTMLButtonElement>("recovery-done");
  saved.addEventListener("change", () => {
    done.setAttribute("aria-disabled", saved.checked ? "false" : "true");
    if (saved.checked) showMessage(message, "");
  });
  done.addEventListener("click", () => {
    if (!saved.checked) {
      showMessage(message, "Save the codes, then tick “I have saved them”.", "error");
      saved.focus();
      return;
    }
    unsavedCodes = null;
    byId("recovery-code-list").replaceChildren();
    saved.checked = false;
    done.setAttribute("aria-disabled", "true");
    setVisible(false, byId("recovery-new"));
    setVisible(true, byId("recovery-actions"));
    showMessage(message, "Your new recovery codes are ready to use.", "success");
    byId("recovery-title").focus();
  });
  // The codes are never shown again: leaving before "I have saved them" asks first.
  window.addEventListener("beforeunload", (event) => {
    if (unsavedCodes !== null) event.preventDefault();
  });
}

let isBusyGenerating = false;

async function makeRecoveryCodes(button: HTMLButtonElement): Promise<void> {
  const message = byId("recovery-message");
  if (isBusyGenerating) return;
  isBusyGenerating = true;
  button.setAttribute("aria-disabled", "true");
  showMessage(message, "");
  try {
    const made = await api<RecoveryCodesResponse>("POST", userPath("/2fa/recovery-codes"));
    unsavedCodes = made;
    byId("recovery-code-list").replaceChildren(...made.codes.map((code) => h("li", {}, code)));
    setVisible(false, byId("recovery-actions"), byId("recovery-confirm"));
    setVisible(true, byId("recovery-new"));
    showRecoveryPrompt(null);
    await refreshRecoveryCodes();
    byId("recovery-new-title").focus();
  } catch (error) {
    setVisible(false, byId("recovery-confirm"));
    setVisible(true, byId("recovery-actions"));
    showMessage(message, describeError(error), "error");
  } finally {
    isBusyGenerating = false;
    button.setAttribute("aria-disabled", "false");
  }
}

function showRecoveryPrompt(left: number | null): void {
  if (left !== null) byId("recovery-prompt-text").textContent = lowRecoveryCodesPrompt(left);
  setVisible(left !== null, byId("recovery-prompt"));
}

/** `refreshRecoveryCodes`, a failure shown in the section (not in the form that changed a factor). */
function updateRecoveryCodes(): void {
  refreshRecoveryCodes().catch((error: unknown) => {
    showMessage(byId("recovery-message"), describeError(error), "error");
  });
}

/** Reads how many codes are left and what the section offers. */
async function refreshRecoveryCodes(): Promise<void> {
  // A user who owes a second factor has none for codes to stand in for (and the route is closed).
  if (me.two_fa_enrolment_required === true) return;
  const status = await api<RecoveryCodesStatus>("GET", userPath("/2fa/recovery-codes"));
  const factor = hasSecondFactor();
  const badge = byId("recovery-status");
  badge.textContent = status.total === 0 ? "None" : `${status.remaining} left`;
  badge.className = status.low ? "badge warn" : status.total === 0 ? "badge" : "badge on";
  byId("recovery-summary").textContent = describeRecoveryStatus(status);
  const generate = byId<HTMLButtonElement>("recovery-generate");
  generate.dataset.hasSet = String(status.total > 0);
  generate.textContent = status.total > 0 ? "Make new recovery codes" : "Make recovery codes";
  setVisible(!factor && status.total === 0, byId("recovery-needs-factor"));
  setVisible(factor && unsavedCodes === null, byId("recovery-actions"));
  if (!status.low && unsavedCodes === null) showRecoveryPrompt(null);
  else if (status.low && unsavedCodes === null) showRecoveryPrompt(status.remaining);
}

/** After a re-render, puts the focus back on the same action of the same passkey. */
function focusItemAction(id: string, label: string): void {
  const item = Array.from(byId("passkey-list").children).find(
    (child) => (child as HTMLElement).dataset.id === id,
  );
  const button = Array.from(item?.querySelectorAll("button") ?? []).find((each) =>
    each.textContent?.startsWith(label),
  );
  button?.focus();
}

main().catch((error: unknown) => {
  setVisible(false, byId("loading"));
  showMessage(byId("page-message"), describeError(error), "error");
});
