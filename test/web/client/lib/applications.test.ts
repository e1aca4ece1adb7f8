/** How the pages describe applications (src/web/client/lib/applications.ts): pure functions. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import de from "../../../../src/contract/messages/de.json" with { type: "json" };
import en from "../../../../src/contract/messages/en.json" with { type: "json" };
import { installMessages } from "../../../../src/web/client/lib/i18n.js";
import {
  describeScopes,
  grantName,
  uriLines,
} from "../../../../src/web/client/lib/applications.js";

// The words come from the catalogue: the English one, as a page in English gets it.
installMessages({ locale: "en", locales: [], messages: en });

describe("describeScopes", () => {
  it("says what the scopes let an app do, in a fixed order, each once", () => {
    expect(describeScopes(["openid"])).toBe("Can know who you are.");
    expect(describeScopes(["email", "openid"])).toBe(
      "Can know who you are and see your email address.",
    );
    expect(describeScopes(["offline_access", "email", "profile", "openid", "email"])).toBe(
      "Can know who you are, see your name, see your email address and stay signed in while you are away.",
    );
  });

  it("names a scope it has no words for, and has words for none", () => {
    expect(describeScopes(["openid", "calendar"])).toBe("Can know who you are and use “calendar”.");
    expect(describeScopes([])).toBe("Can sign you in.");
  });
});

describe("grantName", () => {
  it("has short words for the grants, and shows another as it is", () => {
    expect(grantName("urn:ietf:params:oauth:grant-type:device_code")).toBe("device code");
    expect(grantName("authorization_code")).toBe("authorization code");
    expect(grantName("implicit")).toBe("implicit");
  });
});

describe("uriLines", () => {
  it("takes one URI per line: trimmed, blank lines dropped, each once", () => {
    expect(
      uriLines(" https://a.example/cb \r\n\n\thttp://localhost:3000/cb\nhttps://a.example/cb\n"),
    ).toEqual(["https://a.example/cb", "http://localhost:3000/cb"]);
    expect(uriLines("\n  \n")).toEqual([]);
  });
});

describe("in German (issue 24 item 3)", () => {
  beforeAll(() => installMessages({ locale: "de", locales: [], messages: de }));
  afterAll(() => installMessages({ locale: "en", locales: [], messages: en }));

  it("says what the scopes let an app do, and names a grant, in German", () => {
    expect(describeScopes(["email", "openid", "profile"])).toBe(
      "Kann wissen, wer Sie sind, Ihren Namen sehen und Ihre E-Mail-Adresse sehen.",
    );
    expect(describeScopes([])).toBe("Kann Sie anmelden.");
    expect(grantName("refresh_token")).toBe("Aktualisierungstokens");
  });
});
