/**
 * The account page's authenticator app (TOTP): set it up with a QR code, the key to type or
 * an otpauth:// link, confirm it with a code, cancel, or turn it off with a code.
 */
import QRCode from "qrcode";
import { api, userPath } from "../lib/api.js";
import { byId, fieldValue, handleClick, handleForm, setVisible, showMessage } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { groupSecret } from "../lib/text.js";
import type { TotpSetup } from "../lib/types.js";
import { updateContinueNotice } from "./continue-section.js";
import { updateRecoveryCodes } from "./recovery-codes-section.js";
import type { AccountState } from "./state.js";

/** Size of the QR code image in CSS pixels (the otpauth URI fits version ~10 at level M). */
const QR_CODE_WIDTH_PX = 200;

function showTotpState(configured: boolean): void {
  byId("totp-status").textContent = t(configured ? "account.totp_on" : "account.totp_off");
  byId("totp-status").className = configured ? "badge on" : "badge";
  setVisible(!configured, byId("totp-off"));
  setVisible(configured, byId("totp-on"));
  setVisible(false, byId("totp-setup"));
}

/** Shows whether the app is on and wires its setup, confirmation and turning off. */
export function wireTotp(state: AccountState): void {
  const message = byId("totp-message");
  showTotpState(state.me.totp_enabled);

  handleClick(byId<HTMLButtonElement>("totp-setup-start"), message, async () => {
    const setup = await api<TotpSetup>("POST", userPath(state.me.id, "/2fa/totp/setup"));
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
      await api("POST", userPath(state.me.id, "/2fa/totp/confirm"), {
        code: fieldValue(confirmForm, "code"),
      });
      confirmForm.reset();
      if (state.me.two_fa_enrolment_required === true) return window.location.reload();
      state.me = { ...state.me, totp_enabled: true };
      showTotpState(true);
      updateRecoveryCodes(state);
      showMessage(message, t("account.totp_set_up"), "success");
      if (updateContinueNotice(state)) byId("continue-title").focus();
      else byId("totp-title").focus();
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
      await api("POST", userPath(state.me.id, "/2fa/totp/disable"), {
        code: fieldValue(disableForm, "code"),
      });
      disableForm.reset();
      state.me = { ...state.me, totp_enabled: false };
      showTotpState(false);
      updateRecoveryCodes(state); // the last factor takes the codes with it
      updateContinueNotice(state);
      showMessage(message, t("account.totp_turned_off"), "success");
      byId("totp-title").focus();
    },
  });
}
