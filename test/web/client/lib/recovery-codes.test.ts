/** What the account page says about recovery codes, and the file it downloads (no browser). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import de from "../../../../src/contract/messages/de.json" with { type: "json" };
import en from "../../../../src/contract/messages/en.json" with { type: "json" };
import { installMessages } from "../../../../src/web/client/lib/i18n.js";
import {
  describeRecoveryStatus,
  lowRecoveryCodesPrompt,
  recoveryCodesText,
} from "../../../../src/web/client/lib/recovery-codes.js";
import { describeError } from "../../../../src/web/client/lib/text.js";
import { ApiError } from "../../../../src/web/client/lib/api.js";

// The words come from the catalogue: the English one, as a page in English gets it.
installMessages({ locale: "en", locales: [], messages: en });

const status = (remaining: number, total: number) => ({
  remaining,
  total,
  created_at: total === 0 ? null : "2026-11-28T12:00:00.000Z",
  low: total > 0 && remaining <= 2,
});

describe("recovery code words", () => {
  it("says how many are left, or nothing before the first set", () => {
    expect(describeRecoveryStatus(status(0, 0))).toBe("");
    expect(describeRecoveryStatus(status(10, 10))).toBe("10 of 10 codes left.");
    expect(describeRecoveryStatus(status(1, 10))).toBe("1 of 10 codes left.");
    expect(describeRecoveryStatus(status(0, 10))).toBe("You have used all your recovery codes.");
  });

  it("prompts in words that match the count", () => {
    expect(lowRecoveryCodesPrompt(2)).toBe("Only 2 recovery codes are left.");
    expect(lowRecoveryCodesPrompt(1)).toBe("Only 1 recovery code is left.");
    expect(lowRecoveryCodesPrompt(0)).toBe("You have no recovery codes left.");
  });

  it("writes one code a line under a heading that names the account and the site", () => {
    const text = recoveryCodesText(["AAAA-BBBB", "CCCC-DDDD"], {
      name: "ada",
      site: "auth.example.org",
      createdAt: "28 Nov 2026, 12:00",
    });
    expect(text.split("\r\n")).toEqual([
      "Recovery codes for ada at auth.example.org",
      "Made 28 Nov 2026, 12:00. Each code works once; making new codes ends these.",
      "",
      "AAAA-BBBB",
      "CCCC-DDDD",
      "",
    ]);
  });

  it("explains a refused recovery code and a missing second factor", () => {
    const error = (code: string) =>
      new ApiError(400, { status_code: 400, code, detail: "detail" }, null);
    expect(describeError(error("invalid_two_fa_code"), "recovery-code")).toMatch(
      /recovery code is not right, or it was used before/,
    );
    expect(describeError(error("no_second_factor"))).toMatch(/authenticator app or a passkey/);
  });
});

describe("in German (issue 24 item 3)", () => {
  beforeAll(() => installMessages({ locale: "de", locales: [], messages: de }));
  afterAll(() => installMessages({ locale: "en", locales: [], messages: en }));

  it("counts the codes left with German plurals", () => {
    expect(describeRecoveryStatus(status(1, 10))).toBe("1 von 10 Codes übrig.");
    expect(lowRecoveryCodesPrompt(1)).toBe("Nur noch 1 Wiederherstellungscode ist übrig.");
    expect(lowRecoveryCodesPrompt(2)).toBe("Nur noch 2 Wiederherstellungscodes sind übrig.");
    expect(lowRecoveryCodesPrompt(0)).toBe("Sie haben keine Wiederherstellungscodes mehr.");
  });
});
