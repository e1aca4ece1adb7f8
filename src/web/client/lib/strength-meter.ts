/**
 * The password strength meter (issue 11 item 1): under a new-password field, a `<meter>` and
 * a sentence (the policy's reason and suggestion) from `POST /password/strength`, asked while
 * the person types (debounced) so they know before submitting. The server's answer is the
 * policy itself (blocklist, context words, zxcvbn score), so the page holds no copy of it.
 */
import { api } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { strengthText } from "./text.js";
import type { PasswordStrength } from "./types.js";

/** Pause in typing before the password is sent for a verdict. */
export const STRENGTH_DEBOUNCE_MS = 250;

/** Options of `attachStrengthMeter`. */
export interface StrengthMeterOptions {
  /**
   * The account the password is for when it is not the signed-in user's (an admin choosing an
   * initial password): its name and email are context words the policy refuses.
   */
  account?: () => { name?: string; email?: string };
}

/**
 * Adds the meter after `input`'s field hint (or the input) and keeps it current. The sentence
 * is a polite live region and joins the input's `aria-describedby`. Answers that arrive after
 * a newer keystroke are dropped; a failed call hides the meter (the submit still checks).
 */
export function attachStrengthMeter(
  input: HTMLInputElement,
  options: StrengthMeterOptions = {},
): void {
  const id = `${input.id}-strength`;
  const meter = h("meter", {
    id: `${id}-meter`,
    min: "0",
    max: "4",
    low: "2",
    high: "3",
    optimum: "4",
    value: "0",
    "aria-label": t("common.password_strength"),
  });
  const text = h("p", { id: `${id}-text`, className: "strength-text", "aria-live": "polite" });
  const box = h("div", { id, className: "strength", hidden: true }, meter, text);
  const hint = input.getAttribute("aria-describedby");
  const anchor =
    (hint === null ? null : document.getElementById(hint.split(" ")[0] ?? "")) ?? input;
  anchor.after(box);
  input.setAttribute("aria-describedby", `${hint === null ? "" : `${hint} `}${text.id}`);

  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest = 0;
  const update = async (sequence: number) => {
    const password = input.value;
    if (password === "") {
      box.hidden = true;
      return;
    }
    let strength: PasswordStrength;
    try {
      strength = await api<PasswordStrength>("POST", "/password/strength", {
        password,
        ...options.account?.(),
      });
    } catch {
      if (sequence === latest) box.hidden = true;
      return;
    }
    if (sequence !== latest) return;
    meter.setAttribute("low", String(strength.min_score));
    meter.value = strength.score;
    box.dataset.acceptable = String(strength.acceptable);
    text.textContent = strengthText(strength);
    box.hidden = false;
  };
  const schedule = () => {
    latest += 1;
    const sequence = latest;
    clearTimeout(timer);
    if (input.value === "") {
      box.hidden = true;
      return;
    }
    timer = setTimeout(() => void update(sequence), STRENGTH_DEBOUNCE_MS);
  };
  input.addEventListener("input", schedule);
  // A form reset empties the field without an input event.
  input.form?.addEventListener("reset", () => {
    latest += 1;
    clearTimeout(timer);
    box.hidden = true;
  });
}
