/**
 * The wire contract: every request, response, view and limit of the HTTP API, defined once as
 * TypeBox schemas with their `Static` types. Routes validate and serialise with the schemas,
 * services and the pages use the types (`import type`), and every check of a limit imports it
 * from `limits.ts`. Field names stay snake_case as the seed has them.
 */
export * from "./limits.js";
export * from "./errors.js";
export * from "./users.js";
export * from "./login.js";
export * from "./passwords.js";
export * from "./totp.js";
export * from "./recovery-codes.js";
export * from "./passkeys.js";
export * from "./tokens.js";
export * from "./sessions.js";
export * from "./audit.js";
export * from "./paging.js";
export * from "./reauthentication.js";
export * from "./mail.js";
export * from "./email.js";
export * from "./applications.js";
export * from "./personal-tokens.js";
export * from "./roles.js";
export * from "./upstream.js";
