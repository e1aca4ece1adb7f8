/** Addresses, invitations and sign-up on the wire (issue 12, parts 3 to 5). */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_EMAIL_LENGTH } from "./limits.js";

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

/** `POST /signup`. */
export const SignupRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
    email: Type.String({ minLength: MIN_EMAIL_LENGTH, maxLength: MAX_NAME_LENGTH }),
    password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }),
  },
  { additionalProperties: false },
);
export type SignupRequest = Static<typeof SignupRequest>;

/** The answer of the routes that mail someone: the same whatever the account (202). */
export const AcceptedResponse = Type.Object({ ok: Type.Boolean() });
export type AcceptedResponse = Static<typeof AcceptedResponse>;
