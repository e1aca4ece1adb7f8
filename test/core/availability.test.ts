/** `isUnavailableError` (src/core/availability.ts): connection-class failures, and only those. */
import { describe, expect, it } from "vitest";
import { isUnavailableError } from "../../src/core/availability.js";

function coded(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe("isUnavailableError", () => {
  it("recognises sockets, PostgreSQL states and client timeouts, also as a cause", () => {
    for (const error of [
      coded("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
      coded("read ECONNRESET", "ECONNRESET"),
      coded("sorry, too many clients already", "53300"),
      coded('too many connections for database "tessera"', "53300"),
      coded("the database system is starting up", "57P03"),
      // Issue 18 item 11: `ALTER DATABASE … ALLOW_CONNECTIONS false`, as pg reports it on connect.
      Object.assign(coded('database "tessera" is not currently accepting connections', "55000"), {
        severity: "FATAL",
      }),
      coded("terminating connection due to administrator command", "57P01"),
      coded("canceling statement due to statement timeout", "57014"),
      coded('database "tessera" does not exist', "3D000"),
      coded("connection failure", "08006"),
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
      new Error("Query read timeout"),
      new Error("Command timed out"),
      new Error("Connection is closed."),
      new Error("Database migration failed", { cause: coded("x", "ECONNREFUSED") }),
    ]) {
      expect(isUnavailableError(error), error.message).toBe(true);
    }
  });

  it("leaves bugs and bad data alone", () => {
    for (const error of [
      new TypeError("Cannot read properties of undefined"),
      coded('duplicate key value violates unique constraint "users_name_key"', "23505"),
      coded('syntax error at or near "selec"', "42601"),
      // The same SQLSTATE from a query in a live session is a bug, not an outage.
      Object.assign(coded("lastval is not yet defined in this session", "55000"), {
        severity: "ERROR",
      }),
      "a string",
      null,
      undefined,
    ]) {
      expect(isUnavailableError(error)).toBe(false);
    }
  });
});
