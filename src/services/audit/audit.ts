/**
 * The audit trail: who did what, from where. Events never carry a password, code, token or
 * secret: callers pass only identifiers and outcomes in `detail`.
 */
import { appendAuditEvent } from "../../store/index.js";
import type { RequestMeta, ServiceContext } from "../context.js";

/** The audit event names (stable: operators query them). */
export type AuditEventName =
  | "login_succeeded"
  | "login_failed"
  | "login_two_fa_required"
  | "logout_all"
  | "session_ended"
  | "sessions_ended"
  | "password_changed"
  | "password_reset"
  | "password_rehashed"
  | "password_change_required"
  | "user_created"
  | "user_imported"
  | "user_promoted"
  | "user_deleted"
  | "user_demoted"
  | "user_locale_changed"
  | "user_locked"
  | "user_unlocked"
  | "user_roles_changed"
  | "role_created"
  | "role_updated"
  | "role_deleted"
  | "second_factors_disabled"
  | "totp_setup_started"
  | "totp_enabled"
  | "totp_disabled"
  | "totp_code_rejected"
  | "recovery_codes_generated"
  | "recovery_code_used"
  | "recovery_codes_deleted"
  | "passkey_added"
  | "passkey_renamed"
  | "passkey_removed"
  | "webauthn_counter_error"
  | "reauthenticated"
  | "reauthentication_failed"
  | "password_reset_requested"
  | "not_me_reported"
  | "email_verification_sent"
  | "email_verified"
  | "email_changed"
  | "login_email_not_verified"
  | "invitation_sent"
  | "invitation_accepted"
  | "signup_refused"
  | "oidc_client_added"
  | "oidc_client_removed"
  | "oidc_client_secret_rotated"
  | "oidc_consent_given"
  | "oidc_consent_denied"
  | "oidc_consent_revoked"
  | "oidc_grant_issued"
  | "oidc_grant_refused"
  | "oidc_grant_revoked"
  | "oidc_token_revoked"
  | "oidc_logout"
  | "personal_token_created"
  | "personal_token_used_from_new_address"
  | "personal_token_revoked"
  | "personal_tokens_revoked"
  | "upstream_provider_added"
  | "upstream_provider_removed"
  | "upstream_linked"
  | "upstream_unlinked"
  | "upstream_sign_in_refused";

/** Appends one audit event. */
export async function audit(
  ctx: ServiceContext,
  event: AuditEventName,
  input: {
    userId?: string | null;
    meta?: RequestMeta | undefined;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await appendAuditEvent(ctx.db, {
    event,
    userId: input.userId ?? null,
    actorId: actorOf(input),
    ip: input.meta?.ip ?? null,
    userAgent: input.meta?.userAgent ?? null,
    detail: input.detail ?? {},
    atMs: ctx.clock(),
  });
}

/** Who acted: `detail.by` when a flow names someone else (an admin, "operator" → null), else
 * the user the event is about. */
function actorOf(input: {
  userId?: string | null;
  detail?: Record<string, unknown>;
}): string | null {
  const by = input.detail?.by;
  if (typeof by === "string") return by === "operator" ? null : by;
  return input.userId ?? null;
}
