/**
 * The password policy (src/core/password-policy.ts): the offline blocklist (OWASP ASVS 5.0
 * V6.2.4: at least the 3,000 most common passwords), context words (NIST SP 800-63B-4
 * §3.1.1.2), the minimum strength, and a reason for every refusal.
 */
import * as common from "@zxcvbn-ts/language-common";
import { describe, expect, it } from "vitest";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../../src/contract/limits.js";
import {
  DEFAULT_PASSWORD_MIN_SCORE,
  passwordPolicyViolation,
} from "../../src/core/password-policy.js";
import { contextWords } from "../../src/core/password-strength.js";

const account = { name: "alice", email: "alice.smith@acme.org", appName: "Tessera" };
const reason = (password: string, minScore = DEFAULT_PASSWORD_MIN_SCORE) =>
  passwordPolicyViolation(password, account, minScore)?.reason ?? null;

describe("the password policy", () => {
  it("refuses every one of the 3,000 most common passwords, at any minimum score", () => {
    const list = (common.dictionary as Record<string, string[]>)["passwords-common"]!;
    const top = list.slice(0, 3_000);
    const accepted = top.filter(
      (password) => passwordPolicyViolation(password, account, 0) === null,
    );
    expect(accepted).toEqual([]);
  }, 120_000);

  it("says why: too short, too long, common, context, weak", () => {
    expect(reason("x".repeat(MIN_PASSWORD_LENGTH - 1))).toBe("too_short");
    expect(reason("x".repeat(MAX_PASSWORD_LENGTH + 1))).toBe("too_long");
    for (const password of ["password", "Password1!", "P@ssw0rd", "qwertyuiop", "iloveyou2"]) {
      expect(reason(password), password).toBe("common");
    }
    for (const password of ["alice.smith@acme.org", "ALICE.SMITH", "alice2024", "tessera123"]) {
      expect(reason(password), password).toBe("context");
    }
    // A repeated context word is refused too, as weak (the estimator sees the repetition first).
    expect(reason("acmeacme1")).toBe("weak");
    expect(reason("abcdefgh12")).not.toBeNull();
  });

  it("accepts passphrases and random strings, and gives no reason for them", () => {
    for (const password of [
      "correct horse battery staple",
      "Trombone-Lantern-47",
      "a good password 123",
      "66aF1RKq",
    ]) {
      expect(passwordPolicyViolation(password, account), password).toBeNull();
    }
  });

  it("applies the minimum score: 4 refuses what 2 accepts, as weak", () => {
    const middling = "Tiger-Lamp-1";
    expect(reason(middling, 0)).toBeNull();
    expect(reason(middling, 4)).toBe("weak");
  });

  it("gives the estimator's suggestion in English, and never the password", () => {
    const violation = passwordPolicyViolation("P@ssw0rd", account);
    expect(violation?.suggestion).toEqual(expect.any(String));
    expect(JSON.stringify(violation)).not.toContain("P@ssw0rd");
  });

  it("builds the context from the name, the email's parts and the app's name", () => {
    expect(contextWords(account)).toEqual(
      expect.arrayContaining([
        "alice",
        "alice.smith@acme.org",
        "alice.smith",
        "smith",
        "acme",
        "tessera",
      ]),
    );
    expect(contextWords({ name: "Bo" })).toEqual([]); // too short to be a word worth refusing
  });
});
