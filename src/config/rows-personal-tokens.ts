/**
 * The personal access tokens' rows of the configuration table (issue 23), in the README's order
 * after the OpenID Connect ones; `rows.ts` spreads them at its end. Same form as there.
 */
import { integer, row } from "./types.js";

/** The longest a token may be asked to live, by default (issue 23: "at most 365"). */
export const DEFAULT_ACCESS_TOKEN_MAX_DAYS = 365;
/** Requests a minute one token may make on one instance (a script, not a flood). */
export const DEFAULT_ACCESS_TOKEN_REQUESTS_PER_MINUTE = 600;

export const PERSONAL_TOKEN_SETTINGS = Object.freeze({
  accessTokenMaxDays: row({
    name: "TESSERA_ACCESS_TOKEN_MAX_DAYS",
    type: integer(1, 3_650, "days"),
    default: DEFAULT_ACCESS_TOKEN_MAX_DAYS,
    summary: "longest lifetime of a personal access token",
  }),
  accessTokenRequestsPerMinute: row({
    name: "TESSERA_ACCESS_TOKEN_REQUESTS_PER_MINUTE",
    type: integer(1, 1_000_000),
    default: DEFAULT_ACCESS_TOKEN_REQUESTS_PER_MINUTE,
    summary: "requests a minute of one personal access token, per instance",
  }),
});
