/**
 * The API's JSON shapes the pages read (snake_case, as on the wire): the wire contract's
 * types, imported as types only so no schema code reaches the bundles.
 */
import type {
  MeView as ContractMeView,
  UserView as ContractUserView,
  EmailStateView,
  ErrorResponse,
  TwoFaRequiredResponse,
  TotpSetupResponse,
  PasskeyView,
  RecoveryCodesResponse,
  RecoveryCodesStatus,
  SessionView,
  AdminUserView,
  PasswordStrengthResponse,
  ApplicationAccessView,
  ApplicationView,
  CreatedApplication,
  ApplicationSecret,
  PersonalTokenView,
  CreatedPersonalToken,
  RoleView,
  GrantsView,
} from "../../../contract/index.js";

/**
 * The person's saved language (issue 24 item 3), null while they chose none; optional until
 * every server that answers the pages sends it.
 */
interface SavedLocale {
  locale?: string | null;
}

/** `GET /me`, `POST /login` and the admin's `GET /users` entries. */
export type UserView = ContractUserView & SavedLocale;
/** `GET /me`: the user's view and their recovery codes left. */
export type MeView = ContractMeView & SavedLocale;
/** Every error the API answers: the seed framework's shape plus a stable `code`. */
export type ErrorBody = ErrorResponse;
/** `extra` of the 403 `two_fa_required` that login answers. */
export type TwoFaRequired = TwoFaRequiredResponse;
/** `POST /users/{id}/2fa/totp/setup`. */
export type TotpSetup = TotpSetupResponse;
/** `POST /password/strength`: the score and the policy's verdict, for the meter. */
export type PasswordStrength = PasswordStrengthResponse;

export type {
  /** `GET /users/{id}/email`: the address, a waiting link, whether it can receive mail. */
  EmailStateView,
  /** `GET /users/{id}/2fa/webauthn` entries. */
  PasskeyView,
  /** `POST /users/{id}/2fa/recovery-codes`: a new set, shown once. */
  RecoveryCodesResponse,
  /** `GET /users/{id}/2fa/recovery-codes`: how many are left. */
  RecoveryCodesStatus,
  /** `GET /users/{id}/sessions` entries. */
  SessionView,
  /** The admin's `GET /users` entries: the full view and the account's lock. */
  AdminUserView,
  /** `GET /me/applications` entries: an app with access to the signed-in person's account. */
  ApplicationAccessView,
  /** The admin's `GET /applications` entries: a registered app, never its secret. */
  ApplicationView,
  /** `POST /applications`: the new app and, unless public, its secret this once. */
  CreatedApplication,
  /** `POST /applications/{client_id}/secret`: the new secret, this once. */
  ApplicationSecret,
  /** `GET /users/{id}/tokens` entries: a personal access token, never its secret. */
  PersonalTokenView,
  /** `POST /users/{id}/tokens`: the new token, this once. */
  CreatedPersonalToken,
  /** The admin's `GET /roles` entries: a role, its permissions and how many hold it. */
  RoleView,
  /** `GET`/`PUT /users/{id}/roles`: the roles a user holds and their permissions. */
  GrantsView,
};
