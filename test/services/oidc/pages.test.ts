/**
 * The pages the provider renders itself (services/oidc/pages.ts) in Tessera's look: the built
 * pages' header, card and stylesheet, every value escaped, their own strict headers. (Which
 * outgoing requests may reach a private address is tested in test/http/oidc/sessions.test.ts.)
 */
import type { KoaContextWithOIDC } from "oidc-provider";
import { describe, expect, it } from "vitest";
import { oidcProviderPages, PAGE_HEADERS } from "../../../src/services/oidc/pages.js";

/**
 * Just what the pages use of a Koa context: the request's headers (Koa's `ctx.headers`), the
 * answer's (`set`), type, body, the client.
 */
function fakeContext(clientName?: string, requestHeaders: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...requestHeaders };
  const ctx = {
    headers,
    type: "",
    body: "",
    set(name: string, value: string) {
      headers[name] = value;
    },
    oidc: {
      client: clientName === undefined ? undefined : { clientId: "c1", clientName },
    },
  };
  return ctx as typeof ctx & KoaContextWithOIDC;
}

const FORM = `<form id="op.logoutForm" method="post" action="/oidc/logout/confirm"><input type="hidden" name="xsrf" value="x"/></form>`;

describe("the provider's pages", () => {
  it("wear the built pages' header, card and stylesheet, with the name escaped", () => {
    const pages = oidcProviderPages({ appName: "Acme & <Co>", stylesheet: "/assets/styles.css" });
    const ctx = fakeContext(`Evil "app" <script>`);
    pages.logoutConfirm(ctx, FORM);
    const html = String(ctx.body);
    expect(ctx.type).toBe("html");
    expect(ctx.headers).toEqual(PAGE_HEADERS);
    expect(html).toContain('<link rel="stylesheet" href="/assets/styles.css">');
    expect(html).toContain('<header class="site-header">');
    expect(html).toContain('<span class="brand">Acme &amp; &lt;Co&gt;</span>');
    expect(html).toContain("<title>Sign out? · Acme &amp; &lt;Co&gt;</title>");
    expect(html).toContain('<main id="main" class="narrow">');
    expect(html).toContain('<section class="card" aria-labelledby="page-title">');
    expect(html).toContain("<strong>Evil &quot;app&quot; &lt;script&gt;</strong>");
    expect(html).not.toContain("<script");
    expect(html).toContain(FORM);
    expect(html).toMatch(
      /<button type="submit" class="primary" form="op.logoutForm" name="logout" value="yes"/,
    );
  });

  it("link no stylesheet when none is given, and style-src 'self' allows the one they link", () => {
    const ctx = fakeContext();
    oidcProviderPages({ appName: "Tessera" }).logoutSuccess(ctx);
    expect(String(ctx.body)).not.toContain("stylesheet");
    expect(PAGE_HEADERS["content-security-policy"]).toContain("style-src 'self'");
    expect(PAGE_HEADERS["content-security-policy"]).not.toMatch(/script-src/);
  });

  it("name the device's application and code on the confirmation, and a wrong code in words", () => {
    const pages = oidcProviderPages({ appName: "Tessera", stylesheet: "/assets/styles.css" });
    const confirm = fakeContext();
    pages.deviceCodeConfirm(
      confirm,
      "<form></form>",
      { clientId: "cli", clientName: "Deploy CLI" },
      {},
      "BCDF-GHJK",
    );
    expect(String(confirm.body)).toContain("<strong>Deploy CLI</strong> asks to sign in as you");
    expect(String(confirm.body)).toContain('<code class="user-code">BCDF-GHJK</code>');
    const input = fakeContext();
    pages.deviceCodeInput(input, "<form></form>", undefined, { name: "NoCodeError" });
    expect(String(input.body)).toContain(
      '<p class="message error" role="alert">That code is wrong or has expired.',
    );
  });

  it("speak the language of the pages' cookie, then of Accept-Language, then the default", () => {
    const pages = oidcProviderPages({ appName: "Tessera", defaultLocale: "es" });
    const byCookie = fakeContext("Photo Book", {
      cookie: "other=1; tessera_locale=de",
      "accept-language": "fr",
    });
    pages.deviceSuccess(byCookie);
    expect(String(byCookie.body)).toContain('<html lang="de" dir="ltr">');
    expect(String(byCookie.body)).toContain("<title>Gerät angemeldet · Tessera</title>");
    expect(String(byCookie.body)).toContain("<strong>Photo Book</strong> ist angemeldet.");
    const byHeader = fakeContext(undefined, { "accept-language": "fr-CA,fr;q=0.9" });
    pages.logoutSuccess(byHeader);
    expect(String(byHeader.body)).toContain('<h1 id="page-title">Déconnecté</h1>');
    const byDefault = fakeContext();
    pages.error(byDefault, { error: "invalid_request" }, undefined);
    expect(String(byDefault.body)).toContain("Se rechazó la solicitud de la aplicación:");
    expect(String(byDefault.body)).toContain("<code>invalid_request</code>");
  });
});
