/** `src/config/`, issue 23's variables: the longest token lifetime and the per-token request limit. */
import { describe, expect, it } from "vitest";
import { configProblems, testConfig } from "./helpers/server.js";

describe("personal access token configuration", () => {
  it("defaults to 365 days at most and 600 requests a minute", () => {
    const config = testConfig();
    expect(config.accessTokenMaxDays).toBe(365);
    expect(config.accessTokenRequestsPerMinute).toBe(600);
  });

  it("reads both, and refuses values out of range naming the variable", () => {
    const config = testConfig({
      TESSERA_ACCESS_TOKEN_MAX_DAYS: "30",
      TESSERA_ACCESS_TOKEN_REQUESTS_PER_MINUTE: "60",
    });
    expect(config.accessTokenMaxDays).toBe(30);
    expect(config.accessTokenRequestsPerMinute).toBe(60);
    for (const days of ["0", "3651", "a year"]) {
      expect(configProblems({ TESSERA_ACCESS_TOKEN_MAX_DAYS: days })).toEqual([
        expect.stringMatching(/^TESSERA_ACCESS_TOKEN_MAX_DAYS: expected a whole number/),
      ]);
    }
    expect(configProblems({ TESSERA_ACCESS_TOKEN_REQUESTS_PER_MINUTE: "0" })).toEqual([
      expect.stringMatching(/^TESSERA_ACCESS_TOKEN_REQUESTS_PER_MINUTE: expected a whole number/),
    ]);
  });
});
