/**
 * The catalogues and the choice of a language (src/core/i18n.ts, issue 24 item 3): every
 * message exists in every language with the same placeholders and parses; `negotiateLocale`
 * follows RFC 9110 §12.5.4; the pseudo-language keeps placeholders and plural forms.
 */
import { parse } from "@formatjs/icu-messageformat-parser";
import { describe, expect, it } from "vitest";
import {
  CATALOGUES,
  chooseLocale,
  LOCALES,
  negotiateLocale,
  placeholdersOf,
  PSEUDO_CLOSE,
  PSEUDO_LOCALE,
  PSEUDO_OPEN,
  pseudoMessage,
  SOURCE_LOCALE,
  translate,
} from "../../src/core/i18n.js";

const source = CATALOGUES[SOURCE_LOCALE] ?? {};

describe("catalogues", () => {
  it("ship en, de, fr and es, English first", () => {
    expect(LOCALES[0]).toBe("en");
    expect([...LOCALES].sort()).toEqual(["de", "en", "es", "fr"]);
  });

  it("have exactly the keys of en.json in every language", () => {
    const keys = Object.keys(source).sort();
    for (const locale of LOCALES) {
      const catalogue = CATALOGUES[locale] ?? {};
      const have = Object.keys(catalogue).sort();
      expect(
        keys.filter((key) => !Object.hasOwn(catalogue, key)),
        `missing in ${locale}`,
      ).toEqual([]);
      expect(
        have.filter((key) => !Object.hasOwn(source, key)),
        `extra in ${locale}`,
      ).toEqual([]);
    }
  });

  it("name keys prefix.name, lowercase", () => {
    for (const key of Object.keys(source)) expect(key).toMatch(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/);
  });

  it("parse every message, with the same placeholders in every language", () => {
    for (const locale of LOCALES) {
      for (const [key, message] of Object.entries(CATALOGUES[locale] ?? {})) {
        expect(() => parse(message), `${locale} ${key}`).not.toThrow();
        const english = source[key];
        if (english === undefined) continue;
        expect(placeholdersOf(message), `${locale} ${key}`).toEqual(placeholdersOf(english));
      }
    }
  });

  it("are not empty", () => {
    for (const locale of LOCALES) {
      for (const [key, message] of Object.entries(CATALOGUES[locale] ?? {})) {
        expect(message.trim(), `${locale} ${key}`).not.toBe("");
      }
    }
  });
});

describe("negotiateLocale", () => {
  it.each([
    ["de", "de"],
    ["de-AT", "de"],
    ["DE-at", "de"],
    ["fr-CH, fr;q=0.9, en;q=0.8", "fr"],
    ["en;q=0.5, es;q=0.9", "es"],
    ["it, es;q=0.1", "es"],
    ["de;q=0, fr;q=0.2", "fr"],
    ["es;q=0.5, fr;q=0.5", "es"],
    ["*", null],
    ["it, *;q=0.5", null],
    ["de;q=0", null],
    ["xx-YY", null],
    ["", null],
    [",,;;q=", null],
    ["de;q=abc", "de"],
    ["<script>", null],
    ["de-" + "x".repeat(2000), null],
  ] as const)("%s → %s", (header, expected) => {
    expect(negotiateLocale(header)).toBe(expected);
  });

  it("takes nothing from no header", () => {
    expect(negotiateLocale(undefined)).toBeNull();
  });

  it("prefers a chosen language, then the header, then the fallback", () => {
    expect(chooseLocale(["fr"], "de", "en")).toBe("fr");
    expect(chooseLocale([null, "xx"], "de", "en")).toBe("de");
    expect(chooseLocale([undefined], "it", "es")).toBe("es");
  });
});

describe("the pseudo-language", () => {
  it("brackets and accents the text, keeping placeholders and plural forms", () => {
    const message = "Hello {name}, {count, plural, one {# code} other {# codes}} left";
    const pseudo = pseudoMessage(message);
    expect(pseudo.startsWith(PSEUDO_OPEN)).toBe(true);
    expect(pseudo.endsWith(PSEUDO_CLOSE)).toBe(true);
    expect(pseudo).not.toContain("Hello");
    expect(placeholdersOf(pseudo)).toEqual(placeholdersOf(message));
    expect(pseudo).toContain("one{# çóðé}");
    expect(pseudo).toContain("other{# çóðéš}");
  });

  it("formats like English, every key", () => {
    expect(translate(PSEUDO_LOCALE, "mail.duration_minutes", { count: 1 })).toBe(
      `${PSEUDO_OPEN}1 ɱíñúţé${PSEUDO_CLOSE}`,
    );
    for (const key of Object.keys(source)) {
      expect(() => pseudoMessage(source[key] as string), key).not.toThrow();
    }
  });
});
