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

  it("refuses as context a password containing the whole name or the email's local part, folded", () => {
    // Issue 18 item 10: zxcvbn scored this 2 (the name is 72% of it), so it was accepted.
    const ursula = { name: "ursula3779418", email: "u.r@example.org" };
    const refused = (password: string, who = ursula) =>
      passwordPolicyViolation(password, who)?.reason ?? null;
    expect(refused("ursula37794182024!")).toBe("context");
    expect(refused("2024-URSULA3779418")).toBe("context"); // case-folded
    expect(refused("ｕｒｓｕｌａ３７７９４１８ rocks")).toBe("context"); // width-folded (NFKC)
    const mail = { name: "zq", email: "Kristoffer.Nyquist@example.org" };
    expect(refused("my kristoffer.nyquist pass", mail)).toBe("context");
    expect(refused("KRISTOFFER.NYQUIST!", mail)).toBe("context");
    // Shorter than 4 code points: a name inside an unrelated passphrase is not refused for it.
    const short = { name: "ann", email: "bo@example.org" };
    expect(refused("planning a bonfire tonight", short)).toBeNull();
    // The same passphrase with a 4-character name in it is.
    expect(refused("planning a bonfire tonight", { name: "nning", email: "x@y.org" })).toBe(
      "context",
    );
    // A name the password does not contain whole is no reason by itself.
    expect(refused("ursula-lantern-trombone-47")).toBeNull();
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
