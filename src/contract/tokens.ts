/** Tokens other services verify: the JWKS document (RFC 7517 §5), `POST /token` and access tokens. */
import { Type, type Static } from "@sinclair/typebox";
import { MAX_TOKEN_LENGTH } from "./limits.js";
import { HeldPermissions, HeldRoles } from "./roles.js";
import { UserView } from "./users.js";

/**
 * A public signing key (RFC 7517 §4): OKP for Ed25519 (RFC 8037 §2) or EC P-256 (RFC 7518
 * §6.2) for the session keys, RSA (RFC 7518 §6.3.1: `n`, `e`) for the ID-token keys of the
 * OpenID provider. Only the members listed here are ever written: no private member can leave.
 */
export const PublicJwkView = Type.Union(
  [
    Type.Object({
      kty: Type.Union([Type.Literal("OKP"), Type.Literal("EC")]),
      crv: Type.Union([Type.Literal("Ed25519"), Type.Literal("P-256")]),
      x: Type.String(),
      y: Type.Optional(Type.String()),
      kid: Type.String(),
      alg: Type.Union([Type.Literal("EdDSA"), Type.Literal("ES256")]),
      use: Type.Literal("sig"),
    }),
    Type.Object({
      kty: Type.Literal("RSA"),
      n: Type.String(),
      e: Type.String(),
      kid: Type.String(),
      alg: Type.Literal("RS256"),
      use: Type.Literal("sig"),
    }),
  ],
  { $id: "PublicJwk" },
);
export type PublicJwkView = Static<typeof PublicJwkView>;

/** `GET /.well-known/jwks.json`. */
export const JwkSetView = Type.Object({ keys: Type.Array(PublicJwkView) }, { $id: "JwkSet" });
export type JwkSetView = Static<typeof JwkSetView>;

/** `POST /token`: a session token for API clients, in the body instead of a cookie. */
export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal("Bearer"),
    /** Seconds until the token expires (it is renewed while used: `tessera-token` header). */
    expires_in: Type.Integer(),
    session_id: Type.String(),
    user: UserView,
  },
  { $id: "TokenResponse" },
);
export type TokenResponse = Static<typeof TokenResponse>;

/** `POST /token/access`: a short-lived token for calling other services. */
export const AccessTokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal("Bearer"),
    expires_in: Type.Integer(),
  },
  { $id: "AccessTokenResponse" },
);
export type AccessTokenResponse = Static<typeof AccessTokenResponse>;

/** `POST /token/introspect` (RFC 7662 §2.1), as JSON or `application/x-www-form-urlencoded`. */
export const IntrospectionRequest = Type.Object(
  {
    token: Type.String({ maxLength: MAX_TOKEN_LENGTH }),
    token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { $id: "IntrospectionRequest", additionalProperties: false },
);
export type IntrospectionRequest = Static<typeof IntrospectionRequest>;

/** RFC 7662 §2.2: `{ active: false }`, or the active token's claims. */
export const IntrospectionResponse = Type.Object(
  {
    active: Type.Boolean(),
    sub: Type.Optional(Type.String()),
    sid: Type.Optional(Type.String()),
    iss: Type.Optional(Type.String()),
    aud: Type.Optional(Type.String()),
    iat: Type.Optional(Type.Integer()),
    exp: Type.Optional(Type.Integer()),
    token_type: Type.Optional(Type.Literal("Bearer")),
    /** RFC 7662 §2.2: a personal access token's scopes its user holds now, space-separated. */
    scope: Type.Optional(Type.String()),
    /** The user's roles and permissions now (issue 23), for an active token. */
    roles: Type.Optional(HeldRoles),
    permissions: Type.Optional(HeldPermissions),
    /**
     * Tessera's member (RFC 7662 §2.2 allows them): `access` for a token of `POST
     * /token/access`, `session` for a session token (`POST /token`, the cookie), `personal` for
     * a personal access token (issue 23).
     */
    token_use: Type.Optional(
      Type.Union([Type.Literal("access"), Type.Literal("session"), Type.Literal("personal")]),
    ),
  },
  { $id: "IntrospectionResponse" },
);
export type IntrospectionResponse = Static<typeof IntrospectionResponse>;
