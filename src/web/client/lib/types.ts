/**
 * The API's JSON shapes the pages read (snake_case, as on the wire): the wire contract's
 * types, imported as types only so no schema code reaches the bundles.
 */
export type {
  /** `GET /me`, `POST /login` and the admin's `GET /users` entries. */
  UserView,
  /** `GET /me`: the user's view and their recovery codes left. */
  MeView,
  /** `GET /users/{id}/email`: the address, a waiting link, whether it can receive mail. */
  EmailStateView,
  /** Every error the API answers: the seed framework's shape plus a stable `code`. */
  ErrorResponse as ErrorBody,
  /** `extra` of the 403 `two_fa_required` that login answers. */
  TwoFaRequiredResponse as TwoFaRequired,
  /** `POST /users/{id}/2fa/totp/setup`. */
  TotpSetupResponse as TotpSetup,
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
  /** `POST /password/strength`: the score and the policy's verdict, for the meter. */
  PasswordStrengthResponse as PasswordStrength,
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
} from "../../../contract/index.js";
