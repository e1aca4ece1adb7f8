/** `src/config/`, issue 11's variables: TESSERA_REQUIRE_2FA, TESSERA_REAUTHENTICATION_MINUTES. */
import { describe, expect, it } from "vitest";
import { configProblems, testConfig } from "./helpers/server.js";

describe("second-factor policy and re-authentication configuration", () => {
  it("defaults to no mandatory second factor and a 10-minute window", () => {
    const config = testConfig();
    expect(config.requireTwoFa).toBe("off");
    expect(config.reauthenticationMinutes).toBe(10);
  });

  it("reads the policy and the window", () => {
    for (const policy of ["off", "admins", "all"] as const) {
      expect(testConfig({ TESSERA_REQUIRE_2FA: policy }).requireTwoFa).toBe(policy);
    }
    expect(testConfig({ TESSERA_REAUTHENTICATION_MINUTES: "1440" }).reauthenticationMinutes).toBe(
      1440,
    );
  });

  it("refuses an unknown policy and a window out of range, naming the variable", () => {
    expect(configProblems({ TESSERA_REQUIRE_2FA: "everyone" })).toEqual([
      expect.stringMatching(/^TESSERA_REQUIRE_2FA: expected off or admins or all/),
    ]);
    for (const minutes of ["0", "1441", "ten"]) {
      expect(configProblems({ TESSERA_REAUTHENTICATION_MINUTES: minutes })).toEqual([
        expect.stringMatching(/^TESSERA_REAUTHENTICATION_MINUTES: /),
      ]);
    }
  });
});
