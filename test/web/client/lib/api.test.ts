/** The paths the pages ask the server for (pure functions, no browser). */
import { describe, expect, it } from "vitest";
import { userPath } from "../../../../src/web/client/lib/api.js";

describe("userPath", () => {
  it("puts the suffix after the user's id, or nothing", () => {
    expect(userPath("u1", "/2fa/totp/setup")).toBe("/users/u1/2fa/totp/setup");
    expect(userPath("u1")).toBe("/users/u1");
  });

  it("percent-encodes the id, so an id can never reach another path", () => {
    expect(userPath("a/../b?c#d", "/email")).toBe("/users/a%2F..%2Fb%3Fc%23d/email");
  });
});
