/**
 * GET /healthz (src/http/routes/health.ts) through a real listening server, on SQLite and on
 * PostgreSQL (with Redis for the rate limits).
 */
import { expect, it } from "vitest";
import { describeServer } from "../../helpers/routes.js";

describeServer("health route", (server) => {
  it("GET /healthz answers without a session", async () => {
    const response = await server.client().request("GET", "/healthz");
    expect(response.body).toEqual({ status: "ok", database: "ok" });
  });
});
