/**
 * The account page's recovery codes: how many are left (and a prompt at the top when 2 or
 * fewer are), making a set (asking first when one exists, since it ends the codes the user
 * has), showing it once to copy or download, and "I have saved them"; leaving the page before
 * that asks first. The words and the file are ../lib/recovery-codes.ts.
 */
import { api, userPath } from "../lib/api.js";
import { byId, h, handleClick, setVisible, showMessage } from "../lib/dom.js";
import { formatDateTimeIn, t } from "../lib/i18n.js";
import {
  RECOVERY_CODES_FILE_NAME,
  describeRecoveryStatus,
  lowRecoveryCodesPrompt,
  recoveryCodesText,
} from "../lib/recovery-codes.js";
import { describeError } from "../lib/text.js";
import type { RecoveryCodesResponse, RecoveryCodesStatus } from "../lib/types.js";
import { hasSecondFactor, type AccountState } from "./state.js";

/** The set shown right now and not yet confirmed as saved (leaving the page asks first). */
let unsavedCodes: RecoveryCodesResponse | null = null;

let isBusyGenerating = false;

/**
 * Shows how many codes are left once the passkeys are known (whether the user has a factor);
 * `lowLeft` (from `/me`) puts the prompt at the top.
 */
export function wireRecoveryCodes(
  state: AccountState,
  lowLeft: number | null,
  passkeysShown: Promise<void>,
): void {
  const message = byId("recovery-message");
  showRecoveryPrompt(lowLeft);
  void passkeysShown.then(() => updateRecoveryCodes(state));
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
    void makeRecoveryCodes(state, generate);
  });
  byId("recovery-confirm-no").addEventListener("click", () => {
    setVisible(false, byId("recovery-confirm"));
    setVisible(true, byId("recovery-actions"));
    generate.focus();
  });
  const yes = byId<HTMLButtonElement>("recovery-confirm-yes");
  yes.addEventListener("click", () => void makeRecoveryCodes(state, yes));

  handleClick(byId<HTMLButtonElement>("recovery-copy"), message, async () => {
    if (unsavedCodes === null) return;
    await navigator.clipboard.writeText(unsavedCodes.codes.join("\n"));
    showMessage(message, t("account.recovery_copied"), "success");
  });
  byId("recovery-download").addEventListener("click", () => {
    if (unsavedCodes === null) return;
    const text = recoveryCodesText(unsavedCodes.codes, {
      name: state.me.name,
      site: window.location.host,
      createdAt: formatDateTimeIn(new Date(unsavedCodes.created_at)),
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
      showMessage(message, t("account.recovery_tick_first"), "error");
      saved.focus();
      return;
    }
    unsavedCodes = null;
    byId("recovery-code-list").replaceChildren();
    saved.checked = false;
    done.setAttribute("aria-disabled", "true");
    setVisible(false, byId("recovery-new"));
    setVisible(true, byId("recovery-actions"));
    showMessage(message, t("account.recovery_ready"), "success");
    byId("recovery-title").focus();
  });
  // The codes are never shown again: leaving before "I have saved them" asks first.
  window.addEventListener("beforeunload", (event) => {
    if (unsavedCodes !== null) event.preventDefault();
  });
}

async function makeRecoveryCodes(state: AccountState, button: HTMLButtonElement): Promise<void> {
  const message = byId("recovery-message");
  if (isBusyGenerating) return;
  isBusyGenerating = true;
  button.setAttribute("aria-disabled", "true");
  showMessage(message, "");
  try {
    const made = await api<RecoveryCodesResponse>(
      "POST",
      userPath(state.me.id, "/2fa/recovery-codes"),
    );
    unsavedCodes = made;
    byId("recovery-code-list").replaceChildren(...made.codes.map((code) => h("li", {}, code)));
    setVisible(false, byId("recovery-actions"), byId("recovery-confirm"));
    setVisible(true, byId("recovery-new"));
    showRecoveryPrompt(null);
    await refreshRecoveryCodes(state);
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

/**
 * `refreshRecoveryCodes` after a second factor was added or removed, a failure shown in the
 * section (not in the form that changed a factor).
 */
export function updateRecoveryCodes(state: AccountState): void {
  refreshRecoveryCodes(state).catch((error: unknown) => {
    showMessage(byId("recovery-message"), describeError(error), "error");
  });
}

/** Reads how many codes are left and what the section offers. */
async function refreshRecoveryCodes(state: AccountState): Promise<void> {
  // A user who owes a second factor has none for codes to stand in for (and the route is closed).
  if (state.me.two_fa_enrolment_required === true) return;
  const status = await api<RecoveryCodesStatus>(
    "GET",
    userPath(state.me.id, "/2fa/recovery-codes"),
  );
  const factor = hasSecondFactor(state);
  const badge = byId("recovery-status");
  badge.textContent =
    status.total === 0
      ? t("account.recovery_none")
      : t("account.recovery_left", { count: status.remaining });
  badge.className = status.low ? "badge warn" : status.total === 0 ? "badge" : "badge on";
  byId("recovery-summary").textContent = describeRecoveryStatus(status);
  const generate = byId<HTMLButtonElement>("recovery-generate");
  generate.dataset.hasSet = String(status.total > 0);
  generate.textContent = t(
    status.total > 0 ? "account.recovery_make_new" : "account.recovery_make",
  );
  setVisible(!factor && status.total === 0, byId("recovery-needs-factor"));
  setVisible(factor && unsavedCodes === null, byId("recovery-actions"));
  if (!status.low && unsavedCodes === null) showRecoveryPrompt(null);
  else if (status.low && unsavedCodes === null) showRecoveryPrompt(status.remaining);
}
