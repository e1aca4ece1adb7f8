/**
 * Is the database (or Redis) there? Issue 14 item 4: an outage answers 503
 * `service_unavailable` with Retry-After, quickly, never 500 or a hang.
 *
 * `isUnavailableError` tells a connection-class failure (the service is down, unreachable,
 * overloaded, or too slow) from a bug. It looks at the error and its `cause` chain: Node socket
 * codes, PostgreSQL SQLSTATEs and the messages `pg`, `pg-pool` and `ioredis` use for their own
 * timeouts and closed connections. Those shapes are data here, no driver is imported: so the
 * HTTP error handler (which may not import the store) and the server's start-up retries ask
 * the same rule.
 */

/** Socket-level codes of a peer that is not there (Node's `error.code`). */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * PostgreSQL SQLSTATEs meaning "not now" (PostgreSQL docs, Appendix A): class 08 connection
 * exception; 53300 too_many_connections (also a database's or role's CONNECTION LIMIT);
 * 57P01–57P03 admin/crash shutdown, cannot connect now;
 * 57014 query_canceled (our statement_timeout); 3D000 invalid_catalog_name (the database is
 * missing); 42P01 undefined_table (a re-created, not yet migrated database).
 */
const POSTGRES_STATES = new Set(["53300", "57P01", "57P02", "57P03", "57014", "3D000", "42P01"]);

/**
 * SQLSTATEs that mean "not now" only when the server ends the session with them (severity
 * FATAL, i.e. while connecting): 55000 object_not_in_prerequisite_state is "database … is not
 * currently accepting connections" (`ALLOW_CONNECTIONS false`) on connect, but a query's
 * 55000 (e.g. "lastval is not yet defined") is a bug.
 */
const POSTGRES_STATES_ON_CONNECT = new Set(["55000"]);

/** Messages of client libraries that give no code: pg, pg-pool, ioredis. */
const MESSAGES = [
  /^Connection terminated/, // pg: the server or the network closed the connection
  /^timeout exceeded when trying to connect/, // pg-pool: acquire timeout
  /^Query read timeout/, // pg: query_timeout on a stalled connection
  /is not queryable/, // pg: a client after a connection error
  /^Connection is closed/, // ioredis
  /^Command timed out/, // ioredis commandTimeout
  /^Reached the max retries per request limit/, // ioredis MaxRetriesPerRequestError
  /^Stream isn't writeable/, // ioredis offline queue disabled
];

/** Whether `error` (or an error in its `cause` chain) says a backing service is unavailable. */
export function isUnavailableError(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && depth < 8; depth += 1) {
    if (typeof current !== "object" || current === null) return false;
    const { code, message, cause, severity } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      severity?: unknown;
    };
    if (typeof code === "string") {
      if (SOCKET_CODES.has(code) || POSTGRES_STATES.has(code) || code.startsWith("08")) {
        return true;
      }
      if (severity === "FATAL" && POSTGRES_STATES_ON_CONNECT.has(code)) return true;
    }
    if (typeof message === "string" && MESSAGES.some((pattern) => pattern.test(message))) {
      return true;
    }
    current = cause;
  }
  return false;
}
