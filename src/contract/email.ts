/** Addresses, invitations and sign-up on the wire (issue 12, parts 3 to 5). */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_EMAIL_LENGTH } from "./limits.js";
import { PasskeyName, WebauthnResponse } from "./passkeys.js";

/** Longest token field accepted (a mailed token is 43 base64url characters; the service checks its shape). */
export const MAX_EMAIL_TOKEN_FIELD_LENGTH = 128;

const MailedToken = Type.String({ minLength: 1, maxLength: MAX_EMAIL_TOKEN_FIELD_LENGTH });

/** `POST /email/verify`: the token from the verification link. */
export const VerifyEmailRequest = Type.Object(
  { token: MailedToken },
  { additionalProperties: false },
);
export type VerifyEmailRequest = Static<typeof VerifyEmailRequest>;

/** `POST /email/verify/resend`: the account's name or address. */
export const ResendVerificationRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }) },
  { additionalProperties: false },
);
export type ResendVerificationRequest = Static<typeof ResendVerificationRequest>;

/** `PATCH /users/{id}/email`: the new address. */
export const ChangeEmailRequest = Type.Object(
  { email: Type.String({ minLength: MIN_EMAIL_LENGTH, maxLength: MAX_NAME_LENGTH }) },
  { additionalProperties: false },
);
export type ChangeEmailRequest = Static<typeof ChangeEmailRequest>;

/** `POST /invitations/check`: the token from the invitation link. */
export const InvitationTokenRequest = Type.Object(
  { token: MailedToken },
  { additionalProperties: false },
);
export type InvitationTokenRequest = Static<typeof InvitationTokenRequest>;

/** `POST /invitations/check`: whom the invitation is for (the page shows it). */
export const InvitationView = Type.Object({ name: Type.String(), email: Type.String() });
export type InvitationView = Static<typeof InvitationView>;

/** `POST /invitations/accept`: the token and the password the person chose. */
export const AcceptInvitationRequest = Type.Object(
  { token: MailedToken, new_password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }) },
  { additionalProperties: false },
);
export type AcceptInvitationRequest = Static<typeof AcceptInvitationRequest>;

/**
 * `POST /signup`: a password, or `passkey: true` for an account without one (issue 24): the
 * passkey is made at the verification link (`POST /signup/passkey`). Exactly one of the two.
 */
export const SignupRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
    email: Type.String({ minLength: MIN_EMAIL_LENGTH, maxLength: MAX_NAME_LENGTH }),
    password: Type.Optional(Type.String({ maxLength: MAX_PASSWORD_LENGTH })),
    passkey: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
export type SignupRequest = Static<typeof SignupRequest>;

/**
 * `POST /invitations/passkey/options`, `POST /signup/passkey/options` (issue 24): the mailed
 * link's token, checked but not used.
 */
export const PasskeyFirstOptionsRequest = Type.Object(
  { token: MailedToken },
  { additionalProperties: false },
);
export type PasskeyFirstOptionsRequest = Static<typeof PasskeyFirstOptionsRequest>;

/**
 * `POST /invitations/passkey`, `POST /signup/passkey` (issue 24): the link's token and the
 * authenticator's answer to the options; the passkey's name defaults to "Passkey".
 */
export const PasskeyFirstRequest = Type.Object(
  {
    token: MailedToken,
    webauthn_response: WebauthnResponse,
    passkey_name: Type.Optional(PasskeyName),
  },
  { additionalProperties: false },
);
export type PasskeyFirstRequest = Static<typeof PasskeyFirstRequest>;

/** The answer of the routes that mail someone: the same whatever the account (202). */
export const AcceptedResponse = Type.Object({ ok: Type.Boolean() });
export type AcceptedResponse = Static<typeof AcceptedResponse>;
