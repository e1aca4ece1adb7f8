/**
 * Error answers in the request's language (src/http/error-handler.ts, issue 24 item 3): only
 * `detail` is translated (by Accept-Language, else TESSERA_DEFAULT_LOCALE), the code, the status
 * and the shape stay, `en` keeps the detail as written, and `Content-Language` says which.
 */
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/core/errors.js";
import { CATALOGUES, LOCALES, translate } from "../../src/core/i18n.js";
import { localizedDetail } from "../../src/http/error-handler.js";
import { describeServer } from "../helpers/routes.js";

describe("error messages", () => {
  it("exist for every error code in every language", () => {
    for (const locale of LOCALES) {
      for (const code of Object.keys(ERROR_CODES)) {
        expect(CATALOGUES[locale]?.[`error.${code}`], `${locale} error.${code}`).toBeTypeOf(
          "string",
        );
      }
    }
  });

  it("fill values from extra, keep the English detail, and fall back when a value is missing", () => {
    expect(localizedDetail("de", "too_many_requests", "Too many", { retry_after_seconds: 3 })).toBe(
      "Zu viele Versuche. Versuchen Sie es in 3 Sekunden erneut.",
    );
    expect(localizedDetail("en", "too_many_requests", "Too many", { retry_after_seconds: 3 })).toBe(
      "Too many",
    );
    expect(localizedDetail("fr", "too_many_requests", "Too many")).toBe("Too many");
    expect(localizedDetail("es", "not_found", "Not found")).toBe("No encontrado.");
  });
});

describeServer("error answers", (server) => {
  const expectSameShape = (a: Record<string, unknown>, b: Record<string, unknown>) => {
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(a.code).toBe(b.code);
    expect(a.status_code).toBe(b.status_code);
  };

  it("translate only the detail, by Accept-Language", async () => {
    const client = server.client();
    const english = await client.request("GET", "/me");
    expect(english.status).toBe(401);
    expect(english.headers.get("content-language")).toBe("en");
    const plain = english.body as Record<string, unknown>;
    for (const [header, locale] of [
      ["de-AT, en;q=0.5", "de"],
      ["fr", "fr"],
      ["es-MX", "es"],
    ] as const) {
      const answer = await client.request("GET", "/me", {
        headers: { "accept-language": header },
      });
      expect(answer.status).toBe(401);
      expect(answer.headers.get("content-language")).toBe(locale);
      expectSameShape(answer.body, plain);
      expect(answer.body.detail).toBe(translate(locale, "error.not_authorized"));
      expect(answer.body.detail).not.toBe(plain.detail);
    }
    expect(
      (await client.request("GET", "/me", { headers: { "accept-language": "en-GB" } })).body,
    ).toEqual(plain);
    expect(
      (await client.request("GET", "/me", { headers: { "accept-language": "xx, *" } })).body,
    ).toEqual(plain);
  });

  it("translate validation errors and the not-found answer, extra kept", async () => {
    const admin = await server.createUser({ isAdmin: true });
    const client = server.client();
    await client.login(admin.name, admin.password);
    const plain = await client.request("PATCH", `/users/${admin.id}/locale`, {
      json: { locale: "xx" },
    });
    const german = await client.request("PATCH", `/users/${admin.id}/locale`, {
      json: { locale: "xx" },
      headers: { "accept-language": "de" },
    });
    expect(plain.status).toBe(400);
    expect(german.status).toBe(400);
    expectSameShape(german.body, plain.body);
    expect(german.body.extra).toEqual(plain.body.extra);
    expect(plain.body.detail).toBe("No such language");
    expect(german.body.detail).toBe(translate("de", "error.validation_error"));
    const missing = await client.request("GET", "/no-such-route", {
      headers: { "accept-language": "fr" },
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ status_code: 404, code: "not_found", detail: "Introuvable." });
  });
});

describeServer(
  "error answers with TESSERA_DEFAULT_LOCALE=es",
  (server) => {
    it("use the default language without Accept-Language, and English when asked", async () => {
      const client = server.client();
      const none = await client.request("GET", "/me");
      expect(none.headers.get("content-language")).toBe("es");
      expect(none.body.detail).toBe(translate("es", "error.not_authorized"));
      const english = await client.request("GET", "/me", {
        headers: { "accept-language": "en" },
      });
      expect(english.body.detail).toBe("Missing or malformed token");
    });
  },
  { env: { TESSERA_DEFAULT_LOCALE: "es" } },
);
