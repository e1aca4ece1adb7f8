/** The API's JSON shapes the pages read (snake_case, as on the wire). */

/** `GET /me`, `POST /login` and the admin's `GET /users` entries. */
export interface UserView {
  id: string;
  name: string;
  email: string;
  is_admin: boolean;
  must_change_password: boolean;
  totp_enabled: boolean;
  created_at: string;
  last_login_at: string | null;
}

/** Every error the API answers: the seed framework's shape plus a stable `code`. */
export interface ErrorBody {
  status_code: number;
  detail: string;
  code: string;
  extra?: Record<string, unknown>;
}

/** `extra` of the 403 `two_fa_required` that login answers. */
export interface TwoFaRequired {
  user_id: string;
  totp_supported: boolean;
  webauthn_supported: boolean;
  /** PublicKeyCredentialRequestOptionsJSON for this user's passkeys. */
  webauthn_options?: Record<string, unknown>;
}

/** `POST /users/{id}/2fa/totp/setup`. */
export interface TotpSetup {
  secret: string;
  otpauth_uri: string;
}

/** `GET /users/{id}/2fa/webauthn` entries. */
export interface PasskeyView {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  device_type?: string;
  backed_up?: boolean;
}
