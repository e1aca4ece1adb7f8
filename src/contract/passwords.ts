/** Password change and reset requests. The password policy itself is checked by the service. */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_PASSWORD_LENGTH } from "./limits.js";

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
