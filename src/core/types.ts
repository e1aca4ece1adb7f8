/**
 * The seed's request and response types as TypeBox schemas. One definition gives the
 * TypeScript type, the JSON-schema validator and the OpenAPI document. Field names stay
 * snake_case as the seed has them, so clients of the Python app keep working.
 */
import { Type, type Static } from "@sinclair/typebox";

/** Longest password accepted anywhere (NIST SP 800-63B-4 asks for at least 64; DESIGN: 1024). */
export const MAX_PASSWORD_LENGTH = 1024;
/** Shortest password a user may set (DESIGN; NIST SP 800-63B-4 §3.1.1.2 with MFA: 8). */
export const MIN_PASSWORD_LENGTH = 8;
/** Longest user name or email accepted (RFC 5321 §4.5.3.1.3 path limit: 256 octets). */
export const MAX_NAME_LENGTH = 254;

/** `authentication.JwtUser`: who a token belongs to. */
export const JwtUser = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    email: Type.String(),
  },
  { $id: "JwtUser", additionalProperties: false },
);
export type JwtUser = Static<typeof JwtUser>;

/** `authentication.LoginRequest`: name (or email) and password, optionally a second factor. */
export const LoginRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
    two_fa_code: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
    webauthn_response: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    ),
  },
  { $id: "LoginRequest", additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

/** `authentication.ChangePasswordRequest`. An admin changing another user's password sends any `old_password` (it is not checked). */
export const ChangePasswordRequest = Type.Object(
  {
    old_password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }),
    new_password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }),
  },
  { $id: "ChangePasswordRequest", additionalProperties: false },
);
export type ChangePasswordRequest = Static<typeof ChangePasswordRequest>;

/** `authentication.ResetPasswordRequest`. */
export const ResetPasswordRequest = Type.Object(
  {
    new_password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }),
  },
  { $id: "ResetPasswordRequest", additionalProperties: false },
);
export type ResetPasswordRequest = Static<typeof ResetPasswordRequest>;

/** `authentication.TotpCodeRequest`: a code from the authenticator app. */
export const TotpCodeRequest = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 32 }),
  },
  { $id: "TotpCodeRequest", additionalProperties: false },
);
export type TotpCodeRequest = Static<typeof TotpCodeRequest>;

/** `authentication.TotpSetupResponse`: the pending secret and its `otpauth://` URI. */
export const TotpSetupResponse = Type.Object(
  {
    secret: Type.String(),
    otpauth_uri: Type.String(),
  },
  { $id: "TotpSetupResponse", additionalProperties: false },
);
export type TotpSetupResponse = Static<typeof TotpSetupResponse>;

/** `authentication.TotpConfiguredResponse`. */
export const TotpConfiguredResponse = Type.Object(
  {
    is_configured: Type.Boolean(),
  },
  { $id: "TotpConfiguredResponse", additionalProperties: false },
);
export type TotpConfiguredResponse = Static<typeof TotpConfiguredResponse>;

/** `authentication.TwoFaRequiredResponse`: the `extra` of the 403 login answers when a second factor is needed. */
export const TwoFaRequiredResponse = Type.Object(
  {
    user_id: Type.String(),
    totp_supported: Type.Boolean(),
    webauthn_supported: Type.Boolean(),
    /** WebAuthn request options for this user (passkeys issue); absent when the user has none. */
    webauthn_options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: "TwoFaRequiredResponse", additionalProperties: false },
);
export type TwoFaRequiredResponse = Static<typeof TwoFaRequiredResponse>;

/** The error body: the seed framework's shape plus a stable `code`. */
export const ErrorResponse = Type.Object(
  {
    status_code: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: "ErrorResponse" },
);
export type ErrorResponse = Static<typeof ErrorResponse>;
