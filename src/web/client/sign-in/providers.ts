/**
 * The sign-in page's part of issue 22: one button per sign-in provider ("Sign in with Corp
 * SSO", or "… is unavailable" while it does not answer), the provider's answer when the page
 * is opened again after it (`?provider_error=CODE`, `?provider_pending=second_factor|link`),
 * and the route a pending upstream sign-in's second factor goes to.
 */
import { api, ApiError } from "../lib/api.js";
import { byId, h, setVisible, showMessage } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import type { TwoFaRequired } from "../lib/types.js";

interface OfferedProvider {
  id: string;
  name: string;
  available: boolean;
}

/** What the page says for a provider's refusal, by code. */
function providerErrorText(code: string): string {
  switch (code) {
    case "upstream_account_not_found":
      return t("common.provider_error_account_not_found");
    case "identity_linked_elsewhere":
      return t("common.provider_error_linked_elsewhere");
    case "account_locked":
      return t("common.provider_error_locked");
    case "email_not_verified":
      return t("common.provider_error_email_not_verified");
    case "invalid_email_token":
      return t("common.provider_error_invitation_invalid");
    case "service_unavailable":
      return t("common.provider_error_unavailable");
    case "too_many_requests":
      return t("common.error_too_many");
    default:
      return t("common.provider_error_generic");
  }
}

/** The words of a provider's button: sign in or continue (an invitation), available or not. */
function buttonKey(invitation: boolean, available: boolean): string {
  if (invitation) {
    return available ? "common.provider_continue" : "common.provider_continue_unavailable";
  }
  return available ? "common.provider_sign_in" : "common.provider_sign_in_unavailable";
}

/**
 * Shows the provider buttons (none: the block stays hidden). With `invitation` (the invitation
 * page), a button accepts that invitation through the provider: the token goes in a POST body,
 * never in a URL, and the browser follows the answer's `redirect_to`.
 */
export async function showProviderButtons(invitation?: {
  token: string;
  list: string;
  section: string;
  message: HTMLElement;
}): Promise<void> {
  let providers: OfferedProvider[];
  try {
    providers = (await api<{ providers: OfferedProvider[] }>("GET", "/login/providers")).providers;
  } catch {
    return;
  }
  const list = byId(invitation?.list ?? "provider-buttons");
  list.replaceChildren(
    ...providers.map((provider) => {
      const link = h(
        "a",
        {
          className: "button secondary wide",
          href: `/login/providers/${encodeURIComponent(provider.id)}`,
        },
        t(buttonKey(invitation !== undefined, provider.available), { provider: provider.name }),
      );
      if (!provider.available) link.setAttribute("aria-disabled", "true");
      if (invitation !== undefined) {
        link.addEventListener("click", (event) => {
          event.preventDefault();
          api<{ redirect_to: string }>(
            "POST",
            `/login/providers/${encodeURIComponent(provider.id)}/invitation`,
            { token: invitation.token },
          )
            .then((started) => window.location.assign(started.redirect_to))
            .catch((error: unknown) =>
              showMessage(
                invitation.message,
                providerErrorText(error instanceof ApiError ? error.code : "internal_error"),
                "error",
              ),
            );
        });
      }
      return h("li", {}, link);
    }),
  );
  setVisible(providers.length > 0, byId(invitation?.section ?? "provider-sign-in"));
}

/** What the provider's redirect back says: an error, a pending step, or nothing. */
export function providerOutcome(search: string): {
  error: string | null;
  pending: "second_factor" | "link" | null;
} {
  const params = new URLSearchParams(search);
  const pending = params.get("provider_pending");
  return {
    error: params.get("provider_error"),
    pending: pending === "second_factor" || pending === "link" ? pending : null,
  };
}

/** Shows a provider's refusal in the sign-in form's message. */
export function showProviderError(code: string): void {
  showMessage(byId("sign-in-message"), providerErrorText(code), "error");
}

/** The endpoint a pending upstream sign-in's second factor goes to. */
export const UPSTREAM_SECOND_FACTOR_PATH = "/login/providers/complete";

/** Asks which second factor the upstream sign-in needs; `show` gets the answer. */
export async function askUpstreamSecondFactor(
  show: (required: TwoFaRequired) => void,
): Promise<void> {
  try {
    await api("POST", UPSTREAM_SECOND_FACTOR_PATH, {});
  } catch (error) {
    if (error instanceof ApiError && error.code === "two_fa_required") {
      show(error.extra as unknown as TwoFaRequired);
      return;
    }
    showProviderError(error instanceof ApiError ? error.code : "internal_error");
  }
}

/** A pending link: the person signs in the usual way, then confirms on the account page. */
export async function explainPendingLink(): Promise<void> {
  try {
    const pending = await api<{ provider_name: string }>("GET", "/login/providers/pending");
    showMessage(
      byId("sign-in-message"),
      t("sign_in.provider_link", { provider: pending.provider_name }),
      "success",
    );
  } catch {
    showProviderError("upstream_flow_invalid");
  }
}
