/** Authentication method references (RFC 8176): the values an upstream provider's `amr` may carry. */

/** The RFC 8176 §2 registry: what an upstream's `amr` may add to a session's (issue 22). */
export const UPSTREAM_AUTHENTICATION_METHODS = [
  "face",
  "fpt",
  "geo",
  "hwk",
  "iris",
  "kba",
  "mca",
  "mfa",
  "otp",
  "pin",
  "pop",
  "pwd",
  "rba",
  "retina",
  "sc",
  "sms",
  "swk",
  "tel",
  "user",
  "vbm",
  "wia",
] as const;
export type UpstreamAuthenticationMethod = (typeof UPSTREAM_AUTHENTICATION_METHODS)[number];
