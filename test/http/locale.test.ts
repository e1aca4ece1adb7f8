/**
 * The pages in each language (issue 24 item 3): the language a page is answered in (the
 * picker's cookie, then Accept-Language, then the default), `<html lang dir>`, the page's
 * language data, caching per language, and every page filled in every language.
 */
import Fastify, { type FastifyInstance } from "fastify";
import cookie from "@fastify/cookie";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { I18N_DATA_ID, LOCALE_COOKIE } from "../../src/contract/locale.js";
import { LOCALES, PSEUDO_CLOSE, PSEUDO_LOCALE, PSEUDO_OPEN } from "../../src/core/i18n.js";
import { localizePage } from "../../src/http/locale.js";
import { PAGE_ROUTES, pageRoutes } from "../../src/http/routes/pages.js";
import { buildPagesToTemp } from "../helpers/web-build.js";

let build: ReturnType<typeof buildPagesToTemp>;
let app: FastifyInstance;

beforeAll(async () => {
  build = buildPagesToTemp();
  app = Fastify();
  await app.register(cookie);
  await app.register(pageRoutes, {
    webRoot: build.webRoot,
    defaultLocale: "en",
    pseudoLocale: true,
  });
});

afterAll(async () => {
  await app.close();
  build.cleanup();
});

/** The page's language data (the JSON its script reads). */
function i18nData(html: string): {
  locale: string;
  locales: { tag: string }[];
  messages: Record<string, string>;
} {
  const match = new RegExp(
    `<script type="application/json" id="${I18N_DATA_ID}"[^>]*>([^<]*)</script>`,
  ).exec(html);
  if (match?.[1] === undefined) throw new Error("no language data");
  return JSON.parse(match[1]) as ReturnType<typeof i18nData>;
}

describe("the pages in each language", () => {
  it.each(Object.keys(PAGE_ROUTES))(
    "fills %s in every language, with nothing left to fill",
    async (path) => {
      for (const locale of [...LOCALES, PSEUDO_LOCALE]) {
        const response = await app.inject({ url: path, cookies: { [LOCALE_COOKIE]: locale } });
        expect(response.statusCode).toBe(200);
        expect(response.headers["content-language"]).toBe(locale);
        expect(response.body).toContain(`<html lang="${locale}" dir="ltr">`);
        expect(response.body).not.toContain("{{");
        const data = i18nData(response.body);
        expect(data.locale).toBe(locale);
        expect(data.locales.map((each) => each.tag)).toEqual([...LOCALES, PSEUDO_LOCALE]);
        expect(Object.keys(data.messages).length).toBeGreaterThan(0);
      }
    },
  );

  it("chooses the cookie's language over Accept-Language, and Accept-Language over the default", async () => {
    const lang = async (headers: Record<string, string>) =>
      (await app.inject({ url: "/", headers })).headers["content-language"];
    expect(await lang({})).toBe("en");
    expect(await lang({ "accept-language": "de-AT, de;q=0.9, en;q=0.5" })).toBe("de");
    expect(await lang({ "accept-language": "it, fr;q=0.8" })).toBe("fr");
    expect(await lang({ "accept-language": "es;q=0, de;q=0.1" })).toBe("de");
    expect(await lang({ "accept-language": "ja" })).toBe("en");
    expect(await lang({ "accept-language": "de", cookie: `${LOCALE_COOKIE}=es` })).toBe("es");
    // A cookie naming no offered language is ignored, never echoed.
    expect(await lang({ "accept-language": "fr", cookie: `${LOCALE_COOKIE}=xx"><script>` })).toBe(
      "fr",
    );
  });

  it("says that the answer varies by language, with a tag of its own per language", async () => {
    const de = await app.inject({ url: "/account", headers: { "accept-language": "de" } });
    const fr = await app.inject({ url: "/account", headers: { "accept-language": "fr" } });
    expect(de.headers.vary).toBe("Accept-Language, Cookie");
    expect(de.headers.etag).not.toBe(fr.headers.etag);
    const again = await app.inject({
      url: "/account",
      headers: { "accept-language": "de", "if-none-match": String(de.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    const other = await app.inject({
      url: "/account",
      headers: { "accept-language": "fr", "if-none-match": String(de.headers.etag) },
    });
    expect(other.statusCode).toBe(200);
  });

  it("speaks German where German is asked for (the header's words)", async () => {
    const html = (await app.inject({ url: "/account", headers: { "accept-language": "de" } })).body;
    expect(html).toContain(">Abmelden</button>");
    expect(i18nData(html).messages["common.sign_out"]).toBe("Abmelden");
  });

  it("marks every word of the pseudo-language", async () => {
    const html = (
      await app.inject({ url: "/account", cookies: { [LOCALE_COOKIE]: PSEUDO_LOCALE } })
    ).body;
    for (const message of Object.values(i18nData(html).messages)) {
      expect(message.startsWith(PSEUDO_OPEN) && message.endsWith(PSEUDO_CLOSE), message).toBe(true);
    }
  });
});

describe("localizePage", () => {
  const template =
    '<html lang="{{locale:lang}}" dir="{{locale:dir}}"><head>' +
    `<script type="application/json" id="${I18N_DATA_ID}" data-prefixes="nothing">{{locale:data}}</script>` +
    '</head><body><button title="{{t:common.sign_out}}">{{t:common.sign_out}}</button></body></html>';

  it("fills text and attributes, HTML-escaped, and the data as JSON safe in a script", () => {
    const html = localizePage(template, "fr", LOCALES);
    expect(html).toContain('<html lang="fr" dir="ltr">');
    expect(html).toContain('<button title="Se déconnecter">Se déconnecter</button>');
    expect(i18nData(html).messages).toMatchObject({ "common.sign_out": "Se déconnecter" });
    expect(html).not.toMatch(/<\/script>[^<]*<\/script>/);
  });

  it("throws on a key no catalogue has, and on an unknown slot", () => {
    expect(() => localizePage("{{t:common.no_such_key}}", "en", LOCALES)).toThrow(TypeError);
    expect(() => localizePage("{{locale:colour}}", "en", LOCALES)).toThrow(TypeError);
  });
});
