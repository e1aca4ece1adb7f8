/**
 * What the pages say: error messages per API code, waits, dates. Pure functions, so the words
 * a person reads are tested without a browser; the words come from the catalogue (`common.`
 * keys of src/contract/messages/, in the page's language), never from this file.
 */
import { ApiError, NETWORK_ERROR_CODE } from "./api.js";
import { formatDateTimeIn, t } from "./i18n.js";

/** Where a sign-in may send the browser afterwards (`?next=`): only our own pages. */
export const SAFE_NEXT_PATHS: readonly string[] = ["/account", "/admin"];
/** Where a sign-in goes when `?next=` is absent or not one of `SAFE_NEXT_PATHS`. */
export const DEFAULT_NEXT_PATH = "/account";

/** An application's sign-in in progress (the OpenID provider's interaction, issue 21). */
const INTERACTION_PATH = /^\/oidc\/interaction\/[A-Za-z0-9_-]{1,64}$/;

/**
 * The page to go to after signing in; anything but our own pages (and an application's
 * sign-in in progress) is ignored (open redirect).
 */
export function safeNext(search: string): string {
  const next = new URLSearchParams(search).get("next");
  if (next === null) return DEFAULT_NEXT_PATH;
  return SAFE_NEXT_PATHS.includes(next) || INTERACTION_PATH.test(next) ? next : DEFAULT_NEXT_PATH;
}

/** `?next=` when it is an application's sign-in in progress (`/oidc/interaction/…`), else null. */
export function interactionNext(search: string): string | null {
  const next = new URLSearchParams(search).get("next");
  return next !== null && INTERACTION_PATH.test(next) ? next : null;
}

/** The interaction id of the consent page's `?interaction=`, or null when it is not one. */
export function interactionId(search: string): string | null {
  const uid = new URLSearchParams(search).get("interaction");
  return uid !== null && INTERACTION_PATH.test(`/oidc/interaction/${uid}`) ? uid : null;
}

/**
 * What an application sent back to the sign-in page asks of a person already signed in
 * (`?reauthenticate=`, only with an interaction as `next`): to authenticate again with any
 * method (`prompt=login`, `max_age`), or with a second factor (`acr_values`); null otherwise.
 */
export function reauthenticationAsked(search: string): "any" | "second-factor" | null {
  if (interactionNext(search) === null) return null;
  const asked = new URLSearchParams(search).get("reauthenticate");
  return asked === "any" || asked === "second-factor" ? asked : null;
}

/**
 * What each scope an application asks for lets it do, in the words of the consent page: the
 * catalogue key of each (`common.consent_scope_*`).
 */
export const SCOPE_WORDS: Readonly<Record<string, string>> = Object.freeze({
  openid: "common.consent_scope_openid",
  email: "common.consent_scope_email",
  profile: "common.consent_scope_profile",
  offline_access: "common.consent_scope_offline_access",
  roles: "common.consent_scope_roles",
});

/** The consent page's line for a scope (one Tessera does not describe is named as it is). */
export function describeScope(scope: string): string {
  const key = SCOPE_WORDS[scope];
  return key === undefined ? t("common.scope_other", { scope }) : t(key);
}

/** "30 seconds", "1 minute", "15 minutes": a wait rounded up to whole minutes past a minute. */
export function formatWait(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return t("common.wait_seconds", { count: whole });
  return t("common.wait_minutes", { count: Math.ceil(whole / 60) });
}

/** The words for what went wrong with a form, by the API's error code. */
export type MessageContext =
  "sign-in" | "second-factor" | "recovery-code" | "passkey" | "password-change" | "default";

/** A sentence for a failed call, chosen by the error code (the server's detail otherwise). */
export function describeError(error: unknown, context: MessageContext = "default"): string {
  if (!(error instanceof ApiError)) {
    return error instanceof Error && error.message !== ""
      ? error.message
      : t("common.error_generic");
  }
  switch (error.code) {
    case NETWORK_ERROR_CODE:
      return t("common.error_network");
    case "invalid_credentials":
      return context === "password-change"
        ? t("common.error_wrong_current_password")
        : t("common.error_wrong_credentials");
    case "invalid_two_fa_code":
      if (context === "recovery-code") {
        return t("common.error_wrong_recovery_code");
      }
      return context === "passkey" ? t("common.error_wrong_passkey") : t("common.error_wrong_code");
    case "no_second_factor":
      return t("common.error_no_second_factor");
    case "too_many_requests":
      return error.retryAfterSeconds === null
        ? t("common.error_too_many")
        : t("common.error_too_many_wait", { wait: formatWait(error.retryAfterSeconds) });
    case "proof_of_work_required":
    case "proof_of_work_invalid":
      return t("common.error_busy");
    case "not_authorized":
      return t("common.error_session_ended");
    case "password_change_required":
      return t("common.error_password_change_required");
    case "reauthentication_required":
      return t("common.error_reauthentication_required");
    case "two_fa_enrolment_required":
      return t("common.error_enrolment_required");
    case "account_locked": {
      const until = error.extra.until;
      return typeof until === "string"
        ? t("common.error_locked_until", { until: formatDateTime(until) })
        : t("common.error_locked");
    }
    case "last_admin":
      return t("common.error_last_admin");
    case "email_not_verified":
      return t("common.error_email_not_verified");
    case "interaction_expired":
      return t("common.error_interaction_expired");
    case "invalid_email_token":
      return t("common.error_invalid_email_token");
    case "csrf": {
      // The server names its public address: the page was opened at another one.
      const origin = error.extra.public_origin;
      return typeof origin === "string" && /^https?:\/\/[^\s/]+$/.test(origin)
        ? t("common.error_csrf_origin", { origin })
        : t("common.error_csrf");
    }
    case "webauthn_verification_failed":
    case "webauthn_invalid_response":
    case "webauthn_challenge_invalid":
    case "webauthn_counter_error":
      return t("common.error_passkey_failed");
    case "service_unavailable":
      return t("common.error_unavailable");
    case "internal_error":
      return t("common.error_internal");
    default:
      return error.detail.endsWith(".") ? error.detail : `${error.detail}.`;
  }
}

/**
 * "12 Mar 2026, 14:05" in the page's language (or `locale`); "Never" for null. Where the date
 * stands alone in an element, prefer `timeElement` (a `<time>` with its machine date).
 */
export function formatDateTime(iso: string | null, locale?: string): string {
  if (iso === null) return t("common.never");
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return t("common.unknown");
  if (locale === undefined) return formatDateTimeIn(date);
  return date.toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}

/** zxcvbn's scores (0-4) in words, for the strength meter: their catalogue keys. */
export const STRENGTH_LABELS: readonly string[] = [
  "common.strength_0",
  "common.strength_1",
  "common.strength_2",
  "common.strength_3",
  "common.strength_4",
];

/**
 * What the strength meter says of a candidate password: its strength in words, then either
 * that it will be accepted or the policy's reason, and the suggestion when there is one.
 */
export function strengthText(strength: {
  score: number;
  acceptable: boolean;
  message: string | null;
  suggestion: string | null;
}): string {
  const key = STRENGTH_LABELS[strength.score];
  const label = key === undefined ? t("common.unknown") : t(key);
  const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
  const parts = [t("common.strength_line", { label })];
  if (strength.acceptable) parts.push(t("common.strength_accepted"));
  else if (strength.message !== null) parts.push(sentence(strength.message));
  if (!strength.acceptable && strength.suggestion !== null) {
    parts.push(sentence(strength.suggestion));
  }
  return parts.join(" ");
}

/** A TOTP secret in groups of four, easier to type by hand ("JBSW Y3DP EHPK 3PXP"). */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, "").match(/.{1,4}/g) ?? []).join(" ");
}
