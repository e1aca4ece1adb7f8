/**
 * What the assembled app serves besides its routes (src/http/app.ts): the OpenAPI document,
 * through a real listening server, on SQLite and on PostgreSQL.
 */
import { expect, it } from "vitest";
import { describeServer } from "../helpers/routes.js";

describeServer("the app", (server) => {
  it("serves an OpenAPI document listing the seed's routes", async () => {
    const response = await server.client().request("GET", "/openapi.json");
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        "/login",
        "/logout",
        "/logout/all",
        "/me",
        "/users",
        "/users/create",
        "/users/{id}/password/change",
        "/users/{id}/2fa/totp/setup",
      ]),
    );
  });
});
