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

  it("answers a path that is not valid percent-encoding, or a path parameter over the router's bound, with a validation_error", async () => {
    const client = server.client();
    for (const path of ["/users/%zz", "/%E0%A4%A", `/users/x/2fa/webauthn/${"a".repeat(3000)}`]) {
      const response = await client.request("DELETE", path);
      expect(response.status, path).toBe(400);
      expect(response.body, path).toMatchObject({ status_code: 400, code: "validation_error" });
    }
  });
});
