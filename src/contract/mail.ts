/** The flows that start from a mail (issue 12): forgot password, reset with a token, "This wasn't me". */
import { Type, type Static } from "@sinclair/typebox";
import {
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_RECOVERY_CODE_LENGTH,
  MAX_TOTP_CODE_LENGTH,
} from "./limits.js";
import { WebauthnResponse } from "./passkeys.js";

/** Longest token from a mail link accepted on the wire (they are 43 characters). */
export const MAX_EMAIL_TOKEN_LENGTH = 128;

/** `POST /password/forgot`: the account's name or email. */
export const ForgotPasswordRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }) },
  { $id: "ForgotPasswordRequest", additionalProperties: false },
);
export type ForgotPasswordRequest = Static<typeof ForgotPasswordRequest>;

/** The one answer of `POST /password/forgot`, whether or not the account exists. */
export const ForgotPasswordResponse = Type.Object(
  { ok: Type.Literal(true), detail: Type.String() },
  { $id: "ForgotPasswordResponse" },
);
export type ForgotPasswordResponse = Static<typeof ForgotPasswordResponse>;

/** `POST /password/reset-with-token`: the link's token, the new password, and a second factor when the account has one. */
export const ResetWithTokenRequest = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: MAX_EMAIL_TOKEN_LENGTH }),
    new_password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }),
    two_fa_code: Type.Optional(
      Type.Union([Type.String({ maxLength: MAX_TOTP_CODE_LENGTH }), Type.Null()]),
    ),
    webauthn_response: Type.Optional(Type.Union([WebauthnResponse, Type.Null()])),
    recovery_code: Type.Optional(
      Type.Union([Type.String({ maxLength: MAX_RECOVERY_CODE_LENGTH }), Type.Null()]),
    ),
  },
  { $id: "ResetWithTokenRequest", additionalProperties: false },
);
export type ResetWithTokenRequest = Static<typeof ResetWithTokenRequest>;

/** `POST /not-me`: the token of a security notice's "This wasn't me" link. */
export const NotMeRequest = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: MAX_EMAIL_TOKEN_LENGTH }) },
  { $id: "NotMeRequest", additionalProperties: false },
);
export type NotMeRequest = Static<typeof NotMeRequest>;

/** How many sessions a confirmed "This wasn't me" ended. */
export const NotMeResponse = Type.Object(
  { ok: Type.Literal(true), ended: Type.Integer({ minimum: 0 }) },
  { $id: "NotMeResponse" },
);
export type NotMeResponse = Static<typeof NotMeResponse>;
