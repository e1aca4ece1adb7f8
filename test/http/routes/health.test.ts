/**
 * GET /healthz and /readyz (src/http/routes/health.ts) through a real listening server, on SQLite and on
 * PostgreSQL (with Redis for the rate limits).
 */
import { expect, it } from "vitest";
import { describeServer } from "../../helpers/routes.js";

describeServer("health route", (server) => {
  it("GET /healthz answers without a session", async () => {
    const response = await server.client().request("GET", "/healthz");
    expect(response.body).toEqual({ status: "ok" });
  });

  it("GET /readyz says the database answers and is migrated", async () => {
    const response = await server.client().request("GET", "/readyz");
    expect(response.status).toBe(200);
    // The harness passes Redis in as a store override: the runtime opened no client of its own.
    expect(response.body).toEqual({ status: "ok", database: "ok", redis: "none" });
  });
});
