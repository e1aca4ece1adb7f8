/**
 * The one table from error code to HTTP status (STYLE principle 4). TypeScript makes it total
 * over `ErrorCode`; a test checks the same at run time and that the README documents each.
 */
import type { ErrorCode } from "../core/errors.js";

export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  not_authorized: 401,

  permission_denied: 403,
  two_fa_required: 403,
  password_change_required: 403,
  csrf: 403,
  two_fa_enrolment_required: 403,
  reauthentication_required: 403,
  account_locked: 403,
  email_not_verified: 403,
  insufficient_scope: 403,
  insufficient_permission: 403,
  upstream_account_not_found: 403,

  client_error: 400,
  validation_error: 400,
  invalid_json: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_credentials: 400,
  invalid_two_fa_code: 400,
  no_second_factor: 400,
  password_policy: 400,
  webauthn_invalid_response: 400,
  webauthn_verification_failed: 400,
  webauthn_challenge_invalid: 400,
  webauthn_counter_error: 400,
  invalid_email_token: 400,
  invalid_scope: 400,
  unknown_role: 400,
  method_not_allowed: 405,
  upstream_flow_invalid: 400,
  upstream_response_invalid: 400,

  not_found: 404,
  interaction_expired: 404,
  conflict: 409,
  last_admin: 409,
  invitation_not_pending: 409,
  role_exists: 409,
  built_in_role: 409,
  password_not_set: 409,
  password_already_set: 409,
  last_passkey: 409,
  upstream_account_exists: 409,
  identity_linked_elsewhere: 409,
  last_sign_in_method: 409,
  too_many_requests: 429,
  proof_of_work_required: 429,
  proof_of_work_invalid: 429,

  internal_error: 500,
  service_unavailable: 503,
  invalid_password_hash: 500,
});
