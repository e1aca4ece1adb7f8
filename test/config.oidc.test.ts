/** `src/config/`, the OpenID provider's variables (issue 21): registration and the rate limits. */
import { describe, expect, it } from "vitest";
import { configProblems, testConfig } from "./helpers/server.js";

const TOKEN = "a-registration-token-of-32-characters-or-more";

describe("OpenID provider configuration", () => {
  it("defaults to no dynamic registration and 600 / 60 token requests a minute", () => {
    const config = testConfig();
    expect(config.oidcRegistration).toBe("off");
    expect(config.oidcRegistrationToken).toBeNull();
    expect(config.oidcClientRequestsPerMinute).toBe(600);
    expect(config.oidcUnknownClientRequestsPerMinute).toBe(60);
  });

  it("needs the initial access token for TESSERA_OIDC_REGISTRATION=token", () => {
    expect(configProblems({ TESSERA_OIDC_REGISTRATION: "token" })).toEqual([
      expect.stringMatching(
        /^TESSERA_OIDC_REGISTRATION_TOKEN: required with TESSERA_OIDC_REGISTRATION=token/,
      ),
    ]);
    const config = testConfig({
      TESSERA_OIDC_REGISTRATION: "token",
      TESSERA_OIDC_REGISTRATION_TOKEN: TOKEN,
    });
    expect(config.oidcRegistration).toBe("token");
    expect(config.oidcRegistrationToken).toBe(TOKEN);
    // A short token is its own problem, not a missing one; `open` and `off` need none.
    expect(
      configProblems({
        TESSERA_OIDC_REGISTRATION: "token",
        TESSERA_OIDC_REGISTRATION_TOKEN: "short",
      }),
    ).toEqual([expect.stringMatching(/^TESSERA_OIDC_REGISTRATION_TOKEN: at least 32 characters/)]);
    expect(configProblems({ TESSERA_OIDC_REGISTRATION: "open" })).toEqual([]);
  });

  it("reads the rate limits and refuses them out of range", () => {
    const config = testConfig({
      TESSERA_OIDC_CLIENT_REQUESTS_PER_MINUTE: "5000",
      TESSERA_OIDC_UNKNOWN_CLIENT_REQUESTS_PER_MINUTE: "1",
    });
    expect(config.oidcClientRequestsPerMinute).toBe(5000);
    expect(config.oidcUnknownClientRequestsPerMinute).toBe(1);
    for (const value of ["0", "1000001", "many"]) {
      expect(configProblems({ TESSERA_OIDC_CLIENT_REQUESTS_PER_MINUTE: value })).toEqual([
        expect.stringMatching(/^TESSERA_OIDC_CLIENT_REQUESTS_PER_MINUTE: /),
      ]);
    }
  });
});
