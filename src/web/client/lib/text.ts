/**
 * What the pages say: error messages per API code, waits, dates. Pure functions, so the words
 * a person reads are tested without a browser.
 */
import { ApiError, NETWORK_ERROR_CODE } from "./api.js";

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

/** What each scope an application asks for lets it do, in the words of the consent page. */
export const SCOPE_WORDS: Readonly<Record<string, string>> = Object.freeze({
  openid: "sign you in",
  email: "see your email address",
  profile: "see your name",
  offline_access: "stay signed in when you are away",
  roles: "see your roles and permissions",
});

/** The consent page's line for a scope (one Tessera does not describe is named as it is). */
export function describeScope(scope: string): string {
  return SCOPE_WORDS[scope] ?? `use “${scope}”`;
}

/** "30 seconds", "1 minute", "15 minutes": a wait rounded up to whole minutes past a minute. */
export function formatWait(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return whole === 1 ? "1 second" : `${whole} seconds`;
  const minutes = Math.ceil(whole / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** The words for what went wrong with a form, by the API's error code. */
export type MessageContext =
  "sign-in" | "second-factor" | "recovery-code" | "passkey" | "password-change" | "default";

/** A sentence for a failed call, chosen by the error code (the server's detail otherwise). */
export function describeError(error: unknown, context: MessageContext = "default"): string {
  if (!(error instanceof ApiError)) {
    return error instanceof Error && error.message !== ""
      ? error.message
      : "Something went wrong. Please try again.";
  }
  switch (error.code) {
    case NETWORK_ERROR_CODE:
      return "The server could not be reached. Check your connection and try again.";
    case "invalid_credentials":
      return context === "password-change"
        ? "The current password is wrong."
        : "Wrong name or password.";
    case "invalid_two_fa_code":
      if (context === "recovery-code") {
        return "That recovery code is not right, or it was used before. Try another one.";
      }
      return context === "passkey"
        ? "That passkey could not be verified. Try again or use another way to sign in."
        : "That code is not right. Enter the current code from your authenticator app.";
    case "no_second_factor":
      return "Set up an authenticator app or a passkey first: recovery codes stand in for them.";
    case "too_many_requests":
      return error.retryAfterSeconds === null
        ? "Too many attempts. Please wait a while and try again."
        : `Too many attempts. Try again in ${formatWait(error.retryAfterSeconds)}.`;
    case "proof_of_work_required":
    case "proof_of_work_invalid":
      return "The server is very busy right now. Please try again in a moment.";
    case "not_authorized":
      return "Your session has ended. Please sign in again.";
    case "password_change_required":
      return "You must change your password first.";
    case "reauthentication_required":
      return "Confirm it is you (your password, a code or a passkey) to do this.";
    case "two_fa_enrolment_required":
      return "Set up an authenticator app or a passkey first.";
    case "account_locked": {
      const until = error.extra.until;
      return typeof until === "string"
        ? `This account is locked until ${formatDateTime(until)}. Contact an administrator.`
        : "This account is locked. Contact an administrator.";
    }
    case "last_admin":
      return "This is the last admin: make someone else an admin first.";
    case "email_not_verified":
      return "Confirm your email address first.";
    case "interaction_expired":
      return "This sign-in has expired or was already finished. Go back to the application and start again.";
    case "invalid_email_token":
      return "This link does not work any more: it was used already, has expired or was replaced by a newer one.";
    case "csrf": {
      // The server names its public address: the page was opened at another one.
      const origin = error.extra.public_origin;
      return typeof origin === "string" && /^https?:\/\/[^\s/]+$/.test(origin)
        ? `This page was opened at another address than the server's. Open ${origin} instead.`
        : "This request came from another site and was refused. Reload the page and try again.";
    }
    case "webauthn_verification_failed":
    case "webauthn_invalid_response":
    case "webauthn_challenge_invalid":
    case "webauthn_counter_error":
      return "That passkey could not be verified. Please try again.";
    case "service_unavailable":
      return "The service is unavailable right now. Please try again shortly.";
    case "internal_error":
      return "The server had a problem. Please try again.";
    default:
      return error.detail.endsWith(".") ? error.detail : `${error.detail}.`;
  }
}

/** "12 Mar 2026, 14:05" in the reader's locale; "Never" for null. */
export function formatDateTime(iso: string | null, locale?: string): string {
  if (iso === null) return "Never";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "Unknown";
  return date.toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}

/** zxcvbn's scores (0-4) in words, for the strength meter. */
export const STRENGTH_LABELS: readonly string[] = ["Very weak", "Weak", "Fair", "Good", "Strong"];

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
  const label = STRENGTH_LABELS[strength.score] ?? "Unknown";
  const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
  const parts = [`Strength: ${label}.`];
  if (strength.acceptable) parts.push("This password will be accepted.");
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
