/** `src/config/`, issue 13's variables: access-token lifetime, audience, introspection secret. */
import { describe, expect, it } from "vitest";
import { configProblems, testConfig } from "./helpers/server.js";

describe("access-token configuration", () => {
  it("defaults to 10 minutes, no audience and no introspection", () => {
    const config = testConfig();
    expect(config.accessTokenMinutes).toBe(10);
    expect(config.tokenAudience).toBeNull();
    expect(config.introspectionSecret).toBeNull();
  });

  it("reads the lifetime, the audience and the secret", () => {
    const secret = "s".repeat(32);
    const config = testConfig({
      TESSERA_ACCESS_TOKEN_MINUTES: "3",
      TESSERA_TOKEN_AUDIENCE: "https://api.example",
      TESSERA_INTROSPECTION_SECRET: secret,
    });
    expect(config.accessTokenMinutes).toBe(3);
    expect(config.tokenAudience).toBe("https://api.example");
    expect(config.introspectionSecret).toBe(secret);
  });

  it("refuses a short secret and a lifetime out of range, naming the variable", () => {
    expect(configProblems({ TESSERA_INTROSPECTION_SECRET: "s".repeat(31) })).toEqual([
      expect.stringMatching(/^TESSERA_INTROSPECTION_SECRET: at least 32 characters/),
    ]);
    for (const minutes of ["0", "1441", "ten"]) {
      expect(configProblems({ TESSERA_ACCESS_TOKEN_MINUTES: minutes })).toEqual([
        expect.stringMatching(/^TESSERA_ACCESS_TOKEN_MINUTES: expected a whole number/),
      ]);
    }
  });
});
