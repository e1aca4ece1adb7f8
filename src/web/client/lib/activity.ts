/**
 * An activity list: audit events as readable lines ("Signed in · 12 Mar 2026, 14:05 · from
 * 192.0.2.1"), newest first, with "Show more" following the API's cursor. The admin page shows
 * everyone's (`GET /audit`), the account page the user's own (`GET /users/{id}/audit`).
 */
import type { AuditEventView, AuditPage } from "../../../contract/index.js";
import { api } from "./api.js";
import { byId, h, handleClick, setVisible, showMessage } from "./dom.js";
import { t } from "./i18n.js";
import { describeError, formatDateTime } from "./text.js";

/** The events a person reads in words (`common.event_<name>`); others are shown as they are. */
const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  "login_succeeded",
  "login_failed",
  "login_two_fa_required",
  "logout_all",
  "password_changed",
  "password_reset",
  "password_rehashed",
  "user_created",
  "user_imported",
  "user_promoted",
  "user_deleted",
  "user_demoted",
  "user_locked",
  "user_unlocked",
  "user_roles_changed",
  "user_locale_changed",
  "role_created",
  "role_updated",
  "role_deleted",
  "second_factors_disabled",
  "totp_setup_started",
  "totp_enabled",
  "totp_disabled",
  "totp_code_rejected",
  "recovery_codes_generated",
  "recovery_code_used",
  "recovery_codes_deleted",
  "passkey_added",
  "passkey_renamed",
  "passkey_removed",
  "webauthn_counter_error",
  "reauthenticated",
  "reauthentication_failed",
  "password_reset_requested",
  "not_me_reported",
  "email_verification_sent",
  "email_verified",
  "email_changed",
  "login_email_not_verified",
  "invitation_sent",
  "invitation_accepted",
  "signup_refused",
  "oidc_client_added",
  "oidc_client_removed",
  "oidc_client_secret_rotated",
  "oidc_consent_given",
  "oidc_consent_denied",
  "oidc_consent_revoked",
  "oidc_grant_issued",
  "oidc_grant_refused",
  "oidc_grant_revoked",
  "oidc_token_revoked",
  "oidc_logout",
  "personal_token_created",
  "personal_token_used_from_new_address",
  "personal_token_revoked",
  "personal_tokens_revoked",
]);

/** What an event name means to a person. */
function eventText(name: string): string {
  return KNOWN_EVENTS.has(name) ? t(`common.event_${name}`) : name;
}

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
    if (list.childElementCount === 0) list.append(h("li", { text: t("common.activity_none") }));
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
  const what =
    who === null
      ? eventText(event.event)
      : t("common.activity_by", { event: eventText(event.event), who });
  const when = formatDateTime(event.at);
  const text =
    event.ip === null
      ? t("common.activity_line", { event: what, when })
      : t("common.activity_line_from", { event: what, when, ip: event.ip });
  return h("li", { className: "activity", "data-event": event.event, text });
}
