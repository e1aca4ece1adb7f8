/**
 * Personal access tokens on the wire (issue 23 item 1). The vocabulary of scopes and the token's
 * prefix are in `personal-token-scopes.ts` (plain data, which the pages import too).
 */
import { Type, type Static } from "@sinclair/typebox";
import {
  MAX_PERSONAL_TOKEN_ID_LENGTH,
  MAX_PERSONAL_TOKEN_NAME_LENGTH,
  MAX_PERSONAL_TOKEN_SCOPES,
  MAX_PERSONAL_TOKENS_PER_USER,
  MAX_SCOPE_LENGTH,
  MAX_USER_ID_LENGTH,
} from "./limits.js";

export * from "./personal-token-scopes.js";

/** A scope string: `resource:action`, lowercase letters, digits, `_`, `-` and `.`. */
export const ScopeString = Type.String({
  minLength: 3,
  maxLength: MAX_SCOPE_LENGTH,
  pattern: "^[a-z0-9_.-]+:[a-z0-9_.-]+$",
});

/** `POST /users/{id}/tokens`. `expires_in_days` defaults to 90, at most `TESSERA_ACCESS_TOKEN_MAX_DAYS`. */
export const CreatePersonalTokenRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_PERSONAL_TOKEN_NAME_LENGTH }),
    scopes: Type.Array(ScopeString, {
      minItems: 1,
      maxItems: MAX_PERSONAL_TOKEN_SCOPES,
      uniqueItems: true,
    }),
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export type CreatePersonalTokenRequest = Static<typeof CreatePersonalTokenRequest>;

/** A token as listed: never the secret. */
export const PersonalTokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  created_at: Type.String({ format: "date-time" }),
  expires_at: Type.String({ format: "date-time" }),
  /** Written at most once a minute. */
  last_used_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  last_used_address: Type.Union([Type.String(), Type.Null()]),
});
export type PersonalTokenView = Static<typeof PersonalTokenView>;

/** `POST /users/{id}/tokens` → 201: the token, shown this once. */
export const CreatedPersonalToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  token: Type.String(),
  scopes: Type.Array(Type.String()),
  created_at: Type.String({ format: "date-time" }),
  expires_at: Type.String({ format: "date-time" }),
});
export type CreatedPersonalToken = Static<typeof CreatedPersonalToken>;

/** `GET /users/{id}/tokens`: the live tokens (not revoked, not expired), newest first. */
export const PersonalTokenList = Type.Array(PersonalTokenView, {
  maxItems: MAX_PERSONAL_TOKENS_PER_USER,
});
export type PersonalTokenList = Static<typeof PersonalTokenList>;

/** `/users/{id}/tokens/{token_id}`. */
export const PersonalTokenParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: MAX_USER_ID_LENGTH }),
  token_id: Type.String({ minLength: 1, maxLength: MAX_PERSONAL_TOKEN_ID_LENGTH }),
});
export type PersonalTokenParams = Static<typeof PersonalTokenParams>;
