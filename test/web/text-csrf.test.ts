/** What the pages say when the server refuses a request as cross-site (`csrf`). */
import { describe, expect, it } from "vitest";
import en from "../../src/contract/messages/en.json" with { type: "json" };
import { installMessages } from "../../src/web/client/lib/i18n.js";
import { ApiError } from "../../src/web/client/lib/api.js";
import { describeError } from "../../src/web/client/lib/text.js";

// The words come from the catalogue: the English one, as a page in English gets it.
installMessages({ locale: "en", locales: [], messages: en });

function csrf(extra?: Record<string, unknown>): ApiError {
  return new ApiError(
    403,
    {
      status_code: 403,
      code: "csrf",
      detail: "Cross-site request refused",
      ...(extra === undefined ? {} : { extra }),
    },
    null,
  );
}

describe("describeError for csrf", () => {
  it("tells the reader which address to open when the server names it", () => {
    expect(describeError(csrf({ public_origin: "https://auth.example.com" }), "sign-in")).toBe(
      "This page was opened at another address than the server's. Open https://auth.example.com instead.",
    );
  });

  it.each([
    [undefined],
    [{ public_origin: 5 }],
    [{ public_origin: "javascript:alert(1)" }],
    [{ public_origin: "https://a.example/ and more" }],
  ])("falls back to the generic sentence without a usable address (%j)", (extra) => {
    const text = describeError(csrf(extra));
    expect(text).toContain("came from another site");
    expect(text).not.toContain("Open");
  });
});
