/**
 * For the HTTP layer (which does not import the store): whether an error means a backing
 * service (the database, Redis) is unavailable, so the answer is 503 rather than 500.
 */
export { isUnavailableError } from "../store/index.js";
