/** Password change and reset requests. The password policy itself is checked by the service. */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH } from "./limits.js";

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

/** `POST /users/{id}/password/set`: the first password of an account without one (issue 24). */
export const SetPasswordRequest = Type.Object(
  {
    new_password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }),
  },
  { $id: "SetPasswordRequest", additionalProperties: false },
);
export type SetPasswordRequest = Static<typeof SetPasswordRequest>;

/** Why a password is refused: `extra.reason` of a 400 `password_policy`. */
export const PasswordPolicyReason = Type.Union(
  ["too_short", "too_long", "common", "context", "weak", "breached"].map((r) => Type.Literal(r)),
);

/** `POST /password/strength`: a candidate, and the account it is for when not the caller's. */
export const PasswordStrengthRequest = Type.Object(
  {
    password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }),
    name: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
    email: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
  },
  { $id: "PasswordStrengthRequest", additionalProperties: false },
);
export type PasswordStrengthRequest = Static<typeof PasswordStrengthRequest>;

/** What the pages show before submitting: the score (0-4), and the refusal if any. */
export const PasswordStrengthResponse = Type.Object(
  {
    score: Type.Integer({ minimum: 0, maximum: 4 }),
    min_score: Type.Integer({ minimum: 0, maximum: 4 }),
    acceptable: Type.Boolean(),
    reason: Type.Union([PasswordPolicyReason, Type.Null()]),
    message: Type.Union([Type.String(), Type.Null()]),
    suggestion: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: "PasswordStrengthResponse" },
);
export type PasswordStrengthResponse = Static<typeof PasswordStrengthResponse>;
