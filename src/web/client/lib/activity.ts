/**
 * An activity list: audit events as readable lines ("Signed in · 12 Mar 2026, 14:05 · from
 * 192.0.2.1"), newest first, with "Show more" following the API's cursor. The admin page shows
 * everyone's (`GET /audit`), the account page the user's own (`GET /users/{id}/audit`).
 */
import type { AuditEventView, AuditPage } from "../../../contract/index.js";
import { api } from "./api.js";
import { byId, h, handleClick, setVisible, showMessage } from "./dom.js";
import { describeError, formatDateTime } from "./text.js";

/** What each event name means to a person; unknown names are shown as they are. */
const EVENT_TEXT: Readonly<Record<string, string>> = {
  login_succeeded: "Signed in",
  login_failed: "Failed sign-in",
  login_two_fa_required: "Password accepted, second factor asked",
  logout_all: "Signed out everywhere",
  password_changed: "Password changed",
  password_reset: "Password reset",
  password_rehashed: "Password hash upgraded",
  user_created: "Account created",
  user_imported: "Account imported",
  user_promoted: "Made an admin",
  user_deleted: "Account deleted",
  user_demoted: "No longer an admin",
  user_locked: "Account locked",
  user_unlocked: "Account unlocked",
  user_roles_changed: "Roles changed",
  role_created: "Role created",
  role_updated: "Role changed",
  role_deleted: "Role deleted",
  second_factors_disabled: "Second factors removed by the operator",
  totp_setup_started: "Authenticator app setup started",
  totp_enabled: "Authenticator app turned on",
  totp_disabled: "Authenticator app turned off",
  totp_code_rejected: "Authenticator code refused",
  recovery_codes_generated: "New recovery codes made",
  recovery_code_used: "Recovery code used",
  recovery_codes_deleted: "Recovery codes deleted (no second factor left)",
  passkey_added: "Passkey added",
  passkey_renamed: "Passkey renamed",
  passkey_removed: "Passkey removed",
  webauthn_counter_error: "Passkey signature counter went backwards",
  reauthenticated: "Identity confirmed for a sensitive change",
  reauthentication_failed: "Identity confirmation failed",
  password_reset_requested: "Password reset link sent",
  not_me_reported: "Reported “This wasn't me”",
  email_verification_sent: "Address confirmation link sent",
  email_verified: "Email address confirmed",
  email_changed: "Email address changed",
  login_email_not_verified: "Sign-in refused: email address not confirmed",
  invitation_sent: "Invitation sent",
  invitation_accepted: "Invitation accepted",
  signup_refused: "Sign-up with a taken name or address",
  oidc_client_added: "Application registered",
  oidc_client_removed: "Application removed",
  oidc_client_secret_rotated: "Application secret replaced",
  oidc_consent_given: "Access given to an application",
  oidc_consent_denied: "Access refused to an application",
  oidc_consent_revoked: "Access of an application revoked",
  oidc_grant_issued: "Application signed in",
  oidc_grant_refused: "Application sign-in refused",
  oidc_grant_revoked: "Application access revoked (a token was reused)",
  oidc_token_revoked: "Application token revoked",
  oidc_logout: "Signed out through an application",
  personal_token_created: "Access token made",
  personal_token_used_from_new_address: "Access token used from a new address",
  personal_token_revoked: "Access token revoked",
  personal_tokens_revoked: "Every access token revoked",
};

/** Element ids of one activity section: the list, its "Show more" button and message. */
export interface ActivityElements {
  list: string;
  more: string;
  message: string;
}

/** A shown Activity section. */
export interface ActivitySection {
  /** Reads the first page again, in place of what is shown (after an action that adds events). */
  reload(): Promise<void>;
}

/** Loads the first page into the section and wires "Show more". */
export async function showActivity(
  path: string,
  ids: ActivityElements,
  describeUser: (id: string | null) => string | null = () => null,
): Promise<ActivitySection> {
  const list = byId<HTMLUListElement>(ids.list);
  const more = byId<HTMLButtonElement>(ids.more);
  const message = byId(ids.message);
  let cursor: string | null = null;
  const load = async (fresh: boolean) => {
    const query =
      fresh || cursor === null ? "" : `${path.includes("?") ? "&" : "?"}cursor=${cursor}`;
    const page = await api<AuditPage>("GET", `${path}${query}`);
    const items = page.events.map((event) => activityItem(event, describeUser));
    if (fresh) list.replaceChildren(...items);
    else list.append(...items);
    cursor = page.next_cursor;
    setVisible(cursor !== null, more);
    if (list.childElementCount === 0) list.append(h("li", { text: "No activity recorded yet." }));
  };
  handleClick(more, message, () => load(false));
  const reload = async () => {
    try {
      await load(true);
      showMessage(message, "");
    } catch (error) {
      showMessage(message, describeError(error), "error");
    }
  };
  await reload();
  return { reload };
}

function activityItem(
  event: AuditEventView,
  describeUser: (id: string | null) => string | null,
): HTMLLIElement {
  const who = describeUser(event.user_id);
  const parts = [
    EVENT_TEXT[event.event] ?? event.event,
    who === null ? null : `(${who})`,
    "·",
    formatDateTime(event.at),
    event.ip === null ? null : `· from ${event.ip}`,
  ].filter((part) => part !== null);
  return h("li", { className: "activity", "data-event": event.event, text: parts.join(" ") });
}
