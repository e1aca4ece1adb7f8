/** `POST /reauthenticate` (issue 11 item 4): one answer, the renewed authentication time. */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_PASSWORD_LENGTH, MAX_TOTP_CODE_LENGTH } from "./limits.js";
import { WebauthnResponse } from "./passkeys.js";

/** Exactly one of the three (the service refuses none or several with `validation_error`). */
export const ReauthenticateRequest = Type.Object(
  {
    password: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH })),
    two_fa_code: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_TOTP_CODE_LENGTH })),
    /** An assertion over the challenge of `POST /reauthenticate/options`. */
    webauthn_response: Type.Optional(WebauthnResponse),
  },
  { $id: "ReauthenticateRequest", additionalProperties: false },
);
export type ReauthenticateRequest = Static<typeof ReauthenticateRequest>;

/** The session's new authentication time and methods. */
export const ReauthenticateResponse = Type.Object(
  {
    auth_time: Type.String({ format: "date-time" }),
    amr: Type.Array(Type.String()),
  },
  { $id: "ReauthenticateResponse" },
);
export type ReauthenticateResponse = Static<typeof ReauthenticateResponse>;
