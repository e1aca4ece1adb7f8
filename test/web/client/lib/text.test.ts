/** The words the pages show and the helpers that choose them (pure functions, no browser). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import de from "../../../../src/contract/messages/de.json" with { type: "json" };
import en from "../../../../src/contract/messages/en.json" with { type: "json" };
import { installMessages } from "../../../../src/web/client/lib/i18n.js";
import { ApiError, retryAfterSeconds, toErrorBody } from "../../../../src/web/client/lib/api.js";
import {
  DEFAULT_NEXT_PATH,
  describeError,
  describeScope,
  formatDateTime,
  formatWait,
  groupSecret,
  interactionId,
  interactionNext,
  reauthenticationAsked,
  safeNext,
  strengthText,
} from "../../../../src/web/client/lib/text.js";

// The words come from the catalogue: the English one, as a page in English gets it.
installMessages({ locale: "en", locales: [], messages: en });

function apiError(code: string, detail = "detail", retry: number | null = null): ApiError {
  return new ApiError(400, { status_code: 400, code, detail }, retry);
}

describe("safeNext", () => {
  it("follows ?next= only to the account and admin pages", () => {
    expect(safeNext("?next=/admin")).toBe("/admin");
    expect(safeNext("?next=%2Faccount")).toBe("/account");
  });

  it("follows ?next= back to an application's sign-in in progress (issue 21)", () => {
    expect(safeNext("?next=%2Foidc%2Finteraction%2FAbC_-12")).toBe("/oidc/interaction/AbC_-12");
  });

  it.each([
    "",
    "?next=https://evil.example/",
    "?next=//evil.example/admin",
    "?next=/\\evil.example",
    "?next=javascript:alert(1)",
    "?next=/admin/../logout",
    "?next=/ADMIN",
    "?next=/oidc/interaction/../../logout",
    "?next=/oidc/interaction/x?y=https://evil.example",
    "?next=/oidc/interaction//evil.example",
  ])("refuses an open redirect through %j and goes to the account page", (search) => {
    expect(safeNext(search)).toBe(DEFAULT_NEXT_PATH);
  });
});

describe("an application's sign-in (issue 21)", () => {
  it("finds the interaction to go back to, and nothing else", () => {
    expect(interactionNext("?next=%2Foidc%2Finteraction%2FAbC_-12")).toBe(
      "/oidc/interaction/AbC_-12",
    );
    for (const search of [
      "",
      "?next=/account",
      "?next=/oidc/interaction/../../logout",
      "?next=/oidc/interaction//evil.example",
      "?next=https://evil.example/oidc/interaction/x",
    ]) {
      expect(interactionNext(search)).toBeNull();
    }
  });

  it("reads the consent page's interaction id, and refuses anything else", () => {
    expect(interactionId("?interaction=AbC_-12")).toBe("AbC_-12");
    for (const search of [
      "",
      "?interaction=",
      "?interaction=a/b",
      "?interaction=..%2Fx",
      "?uid=x",
    ]) {
      expect(interactionId(search)).toBeNull();
    }
  });

  it("asks to authenticate again only on the way back to an interaction", () => {
    const next = "next=%2Foidc%2Finteraction%2Fabc";
    expect(reauthenticationAsked(`?${next}&reauthenticate=any`)).toBe("any");
    expect(reauthenticationAsked(`?${next}&reauthenticate=second-factor`)).toBe("second-factor");
    expect(reauthenticationAsked(`?${next}&reauthenticate=never`)).toBeNull();
    expect(reauthenticationAsked(`?${next}`)).toBeNull();
    expect(reauthenticationAsked("?next=/account&reauthenticate=any")).toBeNull();
  });

  it("says what each scope lets an application do, in plain words", () => {
    expect(["openid", "email", "profile", "offline_access"].map(describeScope)).toEqual([
      "sign you in",
      "see your email address",
      "see your name",
      "stay signed in when you are away",
    ]);
    expect(describeScope("calendar")).toBe("use “calendar”");
  });

  it("says that a sign-in that is over must start again from the application", () => {
    expect(describeError(apiError("interaction_expired"))).toBe(
      "This sign-in has expired or was already finished. Go back to the application and start again.",
    );
  });
});

describe("formatWait", () => {
  it.each([
    [0.2, "1 second"],
    [1, "1 second"],
    [30, "30 seconds"],
    [59, "59 seconds"],
    [60, "1 minute"],
    [61, "2 minutes"],
    [900, "15 minutes"],
  ])("says %d s as %j", (seconds, text) => {
    expect(formatWait(seconds)).toBe(text);
  });
});

describe("describeError", () => {
  it("says a wrong password without telling whether the name exists", () => {
    expect(describeError(apiError("invalid_credentials"), "sign-in")).toBe(
      "Wrong name or password.",
    );
  });

  it("says the current password is wrong on the password form", () => {
    expect(describeError(apiError("invalid_credentials"), "password-change")).toBe(
      "The current password is wrong.",
    );
  });

  it("gives the wait of a refused attempt, from Retry-After", () => {
    expect(describeError(apiError("too_many_requests", "x", 30))).toBe(
      "Too many attempts. Try again in 30 seconds.",
    );
    expect(describeError(apiError("too_many_requests", "x", 840))).toBe(
      "Too many attempts. Try again in 14 minutes.",
    );
    expect(describeError(apiError("too_many_requests"))).toBe(
      "Too many attempts. Please wait a while and try again.",
    );
  });

  it("names the factor that failed only as the user used it", () => {
    expect(describeError(apiError("invalid_two_fa_code"), "second-factor")).toMatch(/code/);
    expect(describeError(apiError("invalid_two_fa_code"), "passkey")).toMatch(/passkey/);
  });

  it("shows the server's detail as a sentence for other codes, and a plain error's message", () => {
    expect(
      describeError(apiError("password_policy", "Password must have at least 8 characters")),
    ).toBe("Password must have at least 8 characters.");
    expect(describeError(apiError("conflict", "Name taken."))).toBe("Name taken.");
    expect(describeError(new Error("The passkey request was cancelled."))).toBe(
      "The passkey request was cancelled.",
    );
    expect(describeError("odd")).toBe("Something went wrong. Please try again.");
  });

  it("says the server could not be reached for a network failure", () => {
    expect(describeError(apiError("network_error"))).toMatch(/could not be reached/);
  });
});

describe("retryAfterSeconds", () => {
  it("reads delta-seconds from Retry-After first, then the body's retry_after_seconds", () => {
    expect(retryAfterSeconds("30", undefined)).toBe(30);
    expect(retryAfterSeconds(" 12 ", { extra: { retry_after_seconds: 99 } })).toBe(12);
    expect(retryAfterSeconds(null, { extra: { retry_after_seconds: 4.2 } })).toBe(5);
  });

  it("ignores an HTTP date, zero, negative and non-numeric values", () => {
    expect(retryAfterSeconds("Wed, 21 Oct 2026 07:28:00 GMT", undefined)).toBeNull();
    expect(retryAfterSeconds("0", undefined)).toBeNull();
    expect(retryAfterSeconds(null, { extra: { retry_after_seconds: -1 } })).toBeNull();
    expect(retryAfterSeconds(null, { extra: { retry_after_seconds: "5" } })).toBeNull();
  });
});

describe("toErrorBody", () => {
  it("keeps the server's error body and replaces anything else by a generic one", () => {
    const body = { status_code: 403, detail: "No", code: "permission_denied" };
    expect(toErrorBody(403, body)).toBe(body);
    expect(toErrorBody(502, undefined)).toEqual({
      status_code: 502,
      code: "http_error",
      detail: "The server answered 502",
    });
    expect(toErrorBody(500, { detail: 5 })).toMatchObject({ code: "http_error" });
  });
});

describe("groupSecret and formatDateTime", () => {
  it("groups a TOTP secret by four characters", () => {
    expect(groupSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")).toBe(
      "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP",
    );
    expect(groupSecret("ABCDEF")).toBe("ABCD EF");
  });

  it("says Never for a passkey or account never used", () => {
    expect(formatDateTime(null)).toBe("Never");
    expect(formatDateTime("not a date")).toBe("Unknown");
    expect(formatDateTime("2026-03-12T14:05:00Z", "en-GB")).toMatch(/2026/);
  });
});

describe("strengthText", () => {
  it("says the strength in words and that an acceptable password will be accepted", () => {
    expect(strengthText({ score: 4, acceptable: true, message: null, suggestion: "ignored" })).toBe(
      "Strength: Strong. This password will be accepted.",
    );
  });

  it("gives the policy's reason and suggestion for a refused one, as sentences", () => {
    expect(
      strengthText({
        score: 0,
        acceptable: false,
        message: "This password is too common",
        suggestion: "Add more words.",
      }),
    ).toBe("Strength: Very weak. This password is too common. Add more words.");
    expect(strengthText({ score: 2, acceptable: false, message: null, suggestion: null })).toBe(
      "Strength: Fair.",
    );
  });
});

describe("describeError for the admin controls", () => {
  it("tells a locked user until when, without any reason, and names the last admin", () => {
    const locked = (until: string | null) =>
      new ApiError(403, {
        status_code: 403,
        code: "account_locked",
        detail: "x",
        extra: { until },
      });
    expect(describeError(locked(null), "sign-in")).toBe(
      "This account is locked. Contact an administrator.",
    );
    expect(describeError(locked("2026-12-01T09:00:00.000Z"), "sign-in")).toMatch(
      /^This account is locked until .*2026.*\. Contact an administrator\.$/,
    );
    expect(describeError(apiError("last_admin"))).toBe(
      "This is the last admin: make someone else an admin first.",
    );
  });
});

describe("the same words in German (issue 24 item 3)", () => {
  beforeAll(() => installMessages({ locale: "de", locales: [], messages: de }));
  afterAll(() => installMessages({ locale: "en", locales: [], messages: en }));

  it("says a wait with German plurals", () => {
    expect(formatWait(1)).toBe("1 Sekunde");
    expect(formatWait(30)).toBe("30 Sekunden");
    expect(formatWait(60)).toBe("1 Minute");
    expect(formatWait(900)).toBe("15 Minuten");
  });

  it("describes a refused call in German", () => {
    expect(describeError(apiError("invalid_credentials"), "sign-in")).toBe(
      "Falscher Name oder falsches Passwort.",
    );
    expect(describeError(apiError("too_many_requests", "x", 840))).toBe(
      "Zu viele Versuche. Versuchen Sie es in 14 Minuten erneut.",
    );
    expect(describeError("odd")).toBe("Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.");
  });

  it("says Never, the strength and a scope in German", () => {
    expect(formatDateTime(null)).toBe("Nie");
    expect(strengthText({ score: 4, acceptable: true, message: null, suggestion: null })).toBe(
      "Stärke: Stark. Dieses Passwort wird akzeptiert.",
    );
    expect(describeScope("email")).toBe("Ihre E-Mail-Adresse sehen");
  });

  it("writes a date in the page's language", () => {
    expect(formatDateTime("2026-03-12T14:05:00Z")).toMatch(/12\.0?3\.2026/);
  });
});
