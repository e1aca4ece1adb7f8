/** Users on the wire: who a token belongs to, the views of a user, creating one, its id in paths. */
import { Type, type Static } from "@sinclair/typebox";
import {
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_USER_ID_LENGTH,
  MIN_EMAIL_LENGTH,
} from "./limits.js";

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

/** The full view of a user (`GET /me`, `POST /login`; admins in `GET /users`). */
export const UserView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  is_admin: Type.Boolean(),
  must_change_password: Type.Boolean(),
  totp_enabled: Type.Boolean(),
  created_at: Type.String({ format: "date-time" }),
  last_login_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  /** Whether the address was verified by mail (issue 12). */
  email_verified: Type.Boolean(),
  /** Admins' list only: an invitation was sent and not accepted yet. */
  invitation_pending: Type.Optional(Type.Boolean()),
});
export type UserView = Static<typeof UserView>;

/** What any signed-in user may see of the others (`GET /users` for non-admins). */
export const UserSummaryView = Type.Object({ id: Type.String(), name: Type.String() });
export type UserSummaryView = Static<typeof UserSummaryView>;

/** `GET /users`: full views for admins, summaries for the others. */
export const UserList = Type.Array(Type.Union([UserView, UserSummaryView]));
export type UserList = Static<typeof UserList>;

/** `/users/{id}/…`: the user id in the path. */
export const UserIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: MAX_USER_ID_LENGTH }),
});
export type UserIdParams = Static<typeof UserIdParams>;

/**
 * `POST /users/create` (admin only). The password policy is checked by the service. With
 * `invite: true` there is no password: the user chooses one from a mailed link.
 */
export const CreateUserRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
    email: Type.String({ minLength: MIN_EMAIL_LENGTH, maxLength: MAX_NAME_LENGTH }),
    password: Type.Optional(Type.String({ maxLength: MAX_PASSWORD_LENGTH })),
    is_admin: Type.Optional(Type.Boolean()),
    invite: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateUserRequest = Static<typeof CreateUserRequest>;
