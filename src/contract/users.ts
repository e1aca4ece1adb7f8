/** Users on the wire: who a token belongs to, the views of a user, creating one, its id in paths. */
import { Type, type Static, type TInteger, type TString } from "@sinclair/typebox";
import {
  MAX_LOCK_REASON_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_USER_ID_LENGTH,
  MAX_PAGE_SIZE,
  MIN_EMAIL_LENGTH,
} from "./limits.js";
import { MAX_LOCALE_LENGTH } from "./locale.js";
import { pageQueryFields } from "./paging.js";
import { HeldPermissions, HeldRoles } from "./roles.js";

/**
 * A value or null as ONE JSON Schema type list (`type: ["string", "null"]`), not `anyOf`: the
 * response serialiser then picks by the value's JS type instead of validating each branch at
 * run time (issue 20 item 2). Same documents and the same TypeScript type as the union.
 */
function nullable<T extends TString | TInteger>(schema: T) {
  // Through JSON: the plain keywords only, without TypeBox's kind of the non-null schema.
  const plain = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  return Type.Unsafe<Static<T> | null>({ ...plain, type: [schema.type, "null"] });
}

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
  last_login_at: nullable(Type.String({ format: "date-time" })),
  /**
   * `GET /me` only: `TESSERA_REQUIRE_2FA` covers the user, who has neither TOTP nor a passkey,
   * so everything but enrolment answers 403 `two_fa_enrolment_required`.
   */
  two_fa_enrolment_required: Type.Optional(Type.Boolean()),
  /** Whether the address was verified by mail (issue 12). */
  email_verified: Type.Boolean(),
  /** Admins' list only: an invitation was sent and not accepted yet. */
  invitation_pending: Type.Optional(Type.Boolean()),
  /**
   * The language the person chose (issue 24 item 3: a tag of `LOCALES`, e.g. `de`), or null:
   * pages follow the browser's Accept-Language, else `TESSERA_DEFAULT_LOCALE`.
   */
  locale: nullable(Type.String()),
});
export type UserView = Static<typeof UserView>;

/**
 * `GET /me`: the user's view, and their recovery codes (issue 11 item 2): how many are left
 * (null: no set) and whether that is 2 or fewer, so the pages ask for a new set.
 */
export const MeView = Type.Object({
  ...UserView.properties,
  recovery_codes_left: nullable(Type.Integer({ minimum: 0 })),
  recovery_codes_low: Type.Boolean(),
  /** Issue 23: the roles the user holds (`admin` for an admin) and the union of their permissions. */
  roles: HeldRoles,
  permissions: HeldPermissions,
  /**
   * False for an account without a password (passkey-first, issue 24): it signs in and
   * re-authenticates with a passkey, and may set a password (`POST /users/{id}/password/set`).
   */
  has_password: Type.Boolean(),
});
export type MeView = Static<typeof MeView>;

/**
 * `GET /users/{id}/email` (issue 18): the address and what the pages may say about it. Apart
 * from `GET /me`, which answers from the session cache without a database read.
 */
export const EmailStateView = Type.Object({
  email: Type.String(),
  email_verified: Type.Boolean(),
  /**
   * A link to confirm the current address was mailed (queued) and still works: the pages say
   * "open the link we sent" only then. False for a verified address.
   */
  email_verification_sent: Type.Boolean(),
  /**
   * False when the address can never receive mail: a `.invalid` domain (RFC 6761 §6.4), as the
   * first admin's default `admin@tessera.invalid`. The pages then ask for a real address.
   */
  email_deliverable: Type.Boolean(),
});
export type EmailStateView = Static<typeof EmailStateView>;

/**
 * An admin's view of a user in `GET /users`: the full view plus the account's lock. `locked`
 * is whether the lock holds now (an expired lock shows as not locked); `locked_until` null
 * with `locked` true: until unlocked; `lock_reason` is the admin's note, never shown to the user.
 */
export const AdminUserView = Type.Composite([
  UserView,
  Type.Object({
    locked: Type.Boolean(),
    locked_until: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    lock_reason: Type.Union([Type.String(), Type.Null()]),
  }),
]);
export type AdminUserView = Static<typeof AdminUserView>;

/** What any signed-in user may see of the others (`GET /users` for non-admins). */
export const UserSummaryView = Type.Object({ id: Type.String(), name: Type.String() });
export type UserSummaryView = Static<typeof UserSummaryView>;

/**
 * `GET /users`: one page, oldest account first; full views with the lock for admins, summaries
 * for the others (`TESSERA_USER_DIRECTORY=search`).
 */
export const UserList = Type.Array(Type.Union([AdminUserView, UserSummaryView]), {
  maxItems: MAX_PAGE_SIZE,
});
export type UserList = Static<typeof UserList>;

const flag = (description: string) =>
  Type.Optional(Type.Union([Type.Literal("true"), Type.Literal("false")], { description }));

/**
 * `GET /users` query (issue 25 item 1): a page (`limit`, `cursor`), a case-insensitive prefix
 * of the name or the email (`q`), and the admins' filters, combined with "and". A cursor is
 * only valid with the same `q` and filters it was given with.
 */
export const UserListQuery = Type.Object(
  {
    ...pageQueryFields,
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_NAME_LENGTH,
        description:
          "the start of a name or an email, any case (non-admins with TESSERA_USER_DIRECTORY=search: of a name, 3 characters or more)",
      }),
    ),
    admin: flag("admins only (true) or no admins (false)"),
    locked: flag("accounts locked now (true) or not (false)"),
    email_verified: flag("address verified (true) or not (false)"),
    invited: flag("an invitation not accepted yet (true) or none (false)"),
    second_factor: flag("TOTP or a passkey (true) or neither (false)"),
  },
  { additionalProperties: false },
);
export type UserListQuery = Static<typeof UserListQuery>;

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

/**
 * `POST /users/{id}/lock` (admin): why, and optionally until when (ISO 8601 date-time in the
 * future; absent or null: until unlocked).
 */
export const LockUserRequest = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: MAX_LOCK_REASON_LENGTH }),
    until: Type.Optional(Type.Union([Type.String({ format: "date-time" }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type LockUserRequest = Static<typeof LockUserRequest>;

/**
 * `PATCH /users/{id}/locale` (issue 24 item 3): the language for the person's pages and mails,
 * a shipped one (`de`, `en`, …), or null to follow the browser again. An unknown tag is a 400
 * `validation_error` (checked by the service against the shipped catalogues).
 */
export const SetLocaleRequest = Type.Object(
  {
    locale: Type.Union([Type.String({ minLength: 1, maxLength: MAX_LOCALE_LENGTH }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type SetLocaleRequest = Static<typeof SetLocaleRequest>;
