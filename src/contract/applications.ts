/**
 * Applications on the wire (issue 21 items 4 and 6): the apps a person gave access to
 * (`/me/applications`) and the registered OpenID Connect clients an admin manages
 * (`/applications`).
 */
import { Type, type Static } from "@sinclair/typebox";
import {
  MAX_OIDC_CLIENT_ID_LENGTH,
  MAX_OIDC_CLIENT_NAME_LENGTH,
  MAX_OIDC_CLIENT_URI_LENGTH,
  MAX_OIDC_CLIENT_URIS,
} from "./limits.js";

/** The grants an application may have (`grant_types`). */
export const OIDC_GRANT_TYPES = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "urn:ietf:params:oauth:grant-type:device_code",
] as const;

/** Scopes are the provider's few (`openid`, `offline_access`, `email`, `profile`). */
const Scopes = Type.Array(Type.String(), { maxItems: 16 });

/** One app with access to the signed-in person's account (`GET /me/applications`). */
export const ApplicationAccessView = Type.Object({
  client_id: Type.String(),
  name: Type.String(),
  /** Tessera's operator's own app: it asks no consent. */
  first_party: Type.Boolean(),
  /** What it may ask for: consented scopes, or those its grants hold. */
  scopes: Scopes,
  /** When the person first gave it access. */
  granted_at: Type.String({ format: "date-time" }),
});
export type ApplicationAccessView = Static<typeof ApplicationAccessView>;

/** `GET /me/applications`: most recently given first. */
export const ApplicationAccessList = Type.Array(ApplicationAccessView);
export type ApplicationAccessList = Static<typeof ApplicationAccessList>;

/** `/me/applications/{client_id}`, `/applications/{client_id}`. */
export const ClientIdParams = Type.Object({
  client_id: Type.String({ minLength: 1, maxLength: MAX_OIDC_CLIENT_ID_LENGTH }),
});
export type ClientIdParams = Static<typeof ClientIdParams>;

const Uri = Type.String({ minLength: 1, maxLength: MAX_OIDC_CLIENT_URI_LENGTH });
const Uris = Type.Array(Uri, { maxItems: MAX_OIDC_CLIENT_URIS });
const GrantType = Type.Union(OIDC_GRANT_TYPES.map((grant) => Type.Literal(grant)));

/** A registered application as an admin sees it: never its secret nor the secret's digest. */
export const ApplicationView = Type.Object({
  client_id: Type.String(),
  name: Type.String(),
  /** No secret: a native or browser app that proves itself with PKCE. */
  public: Type.Boolean(),
  first_party: Type.Boolean(),
  /** `native` when a redirect URI has a private-use scheme, else `web`. */
  application_type: Type.String(),
  redirect_uris: Uris,
  post_logout_redirect_uris: Uris,
  backchannel_logout_uri: Type.Union([Type.String(), Type.Null()]),
  grant_types: Type.Array(Type.String(), { maxItems: OIDC_GRANT_TYPES.length }),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});
export type ApplicationView = Static<typeof ApplicationView>;

/** `GET /applications`: every registered application, oldest first. */
export const ApplicationList = Type.Array(ApplicationView);
export type ApplicationList = Static<typeof ApplicationList>;

/** `POST /applications`: what `tessera clients add` takes. */
export const CreateApplicationRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_OIDC_CLIENT_NAME_LENGTH }),
    redirect_uris: Type.Optional(Uris),
    /** No secret (a native or browser app). Default false. */
    public: Type.Optional(Type.Boolean()),
    /** Skips the consent page. Default false. */
    first_party: Type.Optional(Type.Boolean()),
    post_logout_redirect_uris: Type.Optional(Uris),
    backchannel_logout_uri: Type.Optional(Uri),
    /** Default `authorization_code` and `refresh_token`. */
    grant_types: Type.Optional(
      Type.Array(GrantType, { minItems: 1, maxItems: OIDC_GRANT_TYPES.length }),
    ),
  },
  { additionalProperties: false },
);
export type CreateApplicationRequest = Static<typeof CreateApplicationRequest>;

/** `POST /applications`: the application, and its secret this once (none for a public one). */
export const CreatedApplication = Type.Object({
  ...ApplicationView.properties,
  client_secret: Type.Optional(
    Type.String({ description: "shown only in this answer; Tessera keeps its digest" }),
  ),
});
export type CreatedApplication = Static<typeof CreatedApplication>;

/** `POST /applications/{client_id}/secret`: the new secret, shown only in this answer. */
export const ApplicationSecret = Type.Object({
  client_id: Type.String(),
  client_secret: Type.String(),
});
export type ApplicationSecret = Static<typeof ApplicationSecret>;
