/** TOTP enrolment on the wire: setup, confirm, disable, status. */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_TOTP_CODE_LENGTH } from "./limits.js";

/** A code as typed: digits, possibly with spaces or dashes (the service normalises it). */
export const TotpCode = Type.String({ minLength: 1, maxLength: MAX_TOTP_CODE_LENGTH });

/** `authentication.TotpCodeRequest`: a code from the authenticator app. */
export const TotpCodeRequest = Type.Object(
  {
    code: TotpCode,
  },
  { $id: "TotpCodeRequest", additionalProperties: false },
);
export type TotpCodeRequest = Static<typeof TotpCodeRequest>;

/** Disabling: a code is needed from the user themself, not from an admin acting on another user. */
export const TotpDisableRequest = Type.Object(
  { code: Type.Optional(Type.String({ maxLength: MAX_TOTP_CODE_LENGTH })) },
  { additionalProperties: false },
);
export type TotpDisableRequest = Static<typeof TotpDisableRequest>;

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
