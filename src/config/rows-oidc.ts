/**
 * The OpenID Connect provider's rows of the configuration table (issue 21), in the README's
 * order after the others; `rows.ts` spreads them at its end. Same form as there.
 */
import { choice, credential, flag, integer, row } from "./types.js";

/** Shortest initial access token for dynamic client registration. */
export const MIN_OIDC_REGISTRATION_TOKEN_LENGTH = 32;

export const OIDC_SETTINGS = Object.freeze({
  oidc: row({
    name: "TESSERA_OIDC",
    type: flag("on", "off"),
    default: true,
    summary: "the OpenID Connect provider; issuer TESSERA_PUBLIC_URL",
  }),
  oidcRegistration: row({
    name: "TESSERA_OIDC_REGISTRATION",
    type: choice(["off", "token", "open"]),
    default: "off",
    summary: "dynamic client registration (RFC 7591): off, token or open",
  }),
  oidcRegistrationToken: row({
    name: "TESSERA_OIDC_REGISTRATION_TOKEN",
    type: credential(MIN_OIDC_REGISTRATION_TOKEN_LENGTH),
    default: null,
    summary: "initial access token for registration=token",
  }),
  oidcAccessTokenMinutes: row({
    name: "TESSERA_OIDC_ACCESS_TOKEN_MINUTES",
    type: integer(1, 24 * 60, "minutes"),
    default: 10,
    summary: "lifetime of an access token given to a client",
  }),
  oidcRefreshTokenDays: row({
    name: "TESSERA_OIDC_REFRESH_TOKEN_DAYS",
    type: integer(1, 365, "days"),
    default: 30,
    summary: "lifetime of a refresh token given to a client",
  }),
  oidcRefreshGraceSeconds: row({
    name: "TESSERA_OIDC_REFRESH_GRACE_SECONDS",
    type: integer(0, 60, "seconds"),
    default: 10,
    summary: "concurrent refreshes with one token get one successor",
  }),
  oidcClientRequestsPerMinute: row({
    name: "TESSERA_OIDC_CLIENT_REQUESTS_PER_MINUTE",
    type: integer(1, 1_000_000),
    default: 600,
    summary: "token endpoint requests per client and network",
  }),
  oidcUnknownClientRequestsPerMinute: row({
    name: "TESSERA_OIDC_UNKNOWN_CLIENT_REQUESTS_PER_MINUTE",
    type: integer(1, 1_000_000),
    default: 60,
    summary: "token endpoint requests per network naming no client",
  }),
});
