/** Signing in: the request, and the `extra` of the 403 when a second factor is needed. */
import { Type, type Static } from "@sinclair/typebox";
import {
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_RECOVERY_CODE_LENGTH,
  MAX_PROOF_OF_WORK_LENGTH,
  MAX_TOTP_CODE_LENGTH,
} from "./limits.js";
import { WebauthnResponse } from "./passkeys.js";

/** `authentication.LoginRequest`: name (or email) and password, optionally a second factor. */
export const LoginRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
    two_fa_code: Type.Optional(
      Type.Union([Type.String({ maxLength: MAX_TOTP_CODE_LENGTH }), Type.Null()]),
    ),
    webauthn_response: Type.Optional(Type.Union([WebauthnResponse, Type.Null()])),
    /** A recovery code in place of the second factor (spaces, dashes and case ignored). */
    recovery_code: Type.Optional(
      Type.Union([Type.String({ maxLength: MAX_RECOVERY_CODE_LENGTH }), Type.Null()]),
    ),
    /**
     * The solved challenge of a 429 `proof_of_work_required` (issue 20 item 5): base64 of the
     * JSON `{ challenge, solution }` (ALTCHA v2's payload). Read only while it is asked for.
     */
    proof_of_work: Type.Optional(
      Type.Union([Type.String({ maxLength: MAX_PROOF_OF_WORK_LENGTH }), Type.Null()]),
    ),
  },
  { $id: "LoginRequest", additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

/** `authentication.TwoFaRequiredResponse`: the `extra` of the 403 login answers when a second factor is needed. */
export const TwoFaRequiredResponse = Type.Object(
  {
    user_id: Type.String(),
    totp_supported: Type.Boolean(),
    webauthn_supported: Type.Boolean(),
    /** The user has unused recovery codes: `recovery_code` may stand in for the second factor. */
    recovery_supported: Type.Boolean(),
    /** WebAuthn request options for this user (passkeys issue); absent when the user has none. */
    webauthn_options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: "TwoFaRequiredResponse", additionalProperties: false },
);
export type TwoFaRequiredResponse = Static<typeof TwoFaRequiredResponse>;
