/** Sign-in through upstream providers (issue 22): the public list, a person's links, the admin view. */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_RECOVERY_CODE_LENGTH, MAX_TOTP_CODE_LENGTH } from "./limits.js";
import { MAX_EMAIL_TOKEN_LENGTH } from "./mail.js";
import { WebauthnResponse } from "./passkeys.js";

/** A provider id: a path segment of its callback URL. */
export const ProviderIdParams = Type.Object(
  { id: Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,63}$" }) },
  { additionalProperties: false },
);

/** `POST /login/providers/{id}/invitation`: the invitation accepted through the provider. */
export const UpstreamInvitationRequest = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: MAX_EMAIL_TOKEN_LENGTH }) },
  { additionalProperties: false },
);
export type UpstreamInvitationRequest = Static<typeof UpstreamInvitationRequest>;

/** `GET /login/providers`: the buttons of the sign-in page. */
export const OfferedProviderList = Type.Object(
  {
    providers: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        /** False while the provider does not answer (its button says it is unavailable). */
        available: Type.Boolean(),
      }),
    ),
  },
  { $id: "OfferedProviderList" },
);
export type OfferedProviderList = Static<typeof OfferedProviderList>;

/** `GET /login/providers/pending`: what the sign-in page asks for next. */
export const PendingUpstreamSignIn = Type.Object(
  {
    /** `second_factor`: give TOTP, a passkey or a recovery code; `link`: sign in, then confirm. */
    kind: Type.Union([Type.Literal("second_factor"), Type.Literal("link")]),
    provider_id: Type.String(),
    provider_name: Type.String(),
    /** The address the provider gave: who the person is there, to check before linking. */
    email: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: "PendingUpstreamSignIn" },
);
export type PendingUpstreamSignIn = Static<typeof PendingUpstreamSignIn>;

/** `POST /login/providers/complete`: the second factor of a pending upstream sign-in. */
export const UpstreamSecondFactorRequest = Type.Object(
  {
    two_fa_code: Type.Optional(
      Type.Union([Type.String({ maxLength: MAX_TOTP_CODE_LENGTH }), Type.Null()]),
    ),
    webauthn_response: Type.Optional(Type.Union([WebauthnResponse, Type.Null()])),
    recovery_code: Type.Optional(
      Type.Union([Type.String({ maxLength: MAX_RECOVERY_CODE_LENGTH }), Type.Null()]),
    ),
  },
  { $id: "UpstreamSecondFactorRequest", additionalProperties: false },
);
export type UpstreamSecondFactorRequest = Static<typeof UpstreamSecondFactorRequest>;

/** `GET /me/linked-sign-ins`: the account page's "Linked sign-ins". */
export const LinkedSignInList = Type.Object(
  {
    linked: Type.Array(
      Type.Object({
        provider_id: Type.String(),
        provider_name: Type.String(),
        email_at_link: Type.Union([Type.String(), Type.Null()]),
        created_at: Type.String({ format: "date-time" }),
        last_used_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
      }),
    ),
  },
  { $id: "LinkedSignInList" },
);
export type LinkedSignInList = Static<typeof LinkedSignInList>;

/** `POST /me/linked-sign-ins/{id}`: where the browser goes to link the provider. */
export const UpstreamRedirect = Type.Object(
  { redirect_to: Type.String() },
  { $id: "UpstreamRedirect" },
);
export type UpstreamRedirect = Static<typeof UpstreamRedirect>;

/** `GET /providers` (admin): the sign-in providers, never a secret. */
export const UpstreamProviderList = Type.Object(
  {
    providers: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        kind: Type.String(),
        issuer: Type.String(),
        client_id: Type.String(),
        scopes: Type.Array(Type.String()),
        link: Type.String(),
        create_accounts: Type.Boolean(),
        trust_upstream_mfa: Type.Boolean(),
        callback_url: Type.String(),
        created_at: Type.String({ format: "date-time" }),
      }),
    ),
  },
  { $id: "UpstreamProviderList" },
);
export type UpstreamProviderList = Static<typeof UpstreamProviderList>;
