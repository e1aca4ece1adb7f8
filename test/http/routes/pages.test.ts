/**
 * The pages plugin on its own (a bare Fastify app over a build in a temporary folder): what it
 * serves, its headers, caching, and a missing build.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONTENT_SECURITY_POLICY,
  IMMUTABLE_CACHE_CONTROL,
  PAGE_ROUTES,
  REVALIDATE_CACHE_CONTROL,
  STABLE_STYLESHEET_PATH,
  brandPage,
  defaultWebRoot,
  findPackageRoot,
  pageRoutes,
} from "../../../src/http/routes/pages.js";
import { escapeHtml } from "../../../src/core/html.js";
import { PACKAGE_ROOT, buildPagesToTemp } from "../../helpers/web-build.js";

let build: ReturnType<typeof buildPagesToTemp>;
let app: FastifyInstance;

beforeAll(async () => {
  build = buildPagesToTemp();
  app = Fastify();
  await app.register(pageRoutes, { webRoot: build.webRoot });
});

afterAll(async () => {
  await app.close();
  build.cleanup();
});

/** The `src` and `href` values of a page. */
function references(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? "");
}

describe("the pages plugin", () => {
  it.each(Object.entries(PAGE_ROUTES))(
    "serves %s as an HTML page with the strict security headers",
    async (path) => {
      const response = await app.inject({ url: path });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(response.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["referrer-policy"]).toBe("same-origin");
      expect(response.headers["x-frame-options"]).toBe("DENY");
      expect(response.headers["cache-control"]).toBe(REVALIDATE_CACHE_CONTROL);
      expect(response.body).toMatch(/^<!doctype html>/);
      expect(response.body).toContain('<html lang="en" dir="ltr">');
      expect(response.body).toContain('name="viewport"');
    },
  );

  it("has a Content-Security-Policy that allows no inline code, no other origin and no framing", () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split(";").map((part) => {
        const [name, ...values] = part.trim().split(/\s+/);
        return [name, values.join(" ")];
      }),
    );
    expect(directives.get("default-src")).toBe("'none'");
    expect(directives.get("script-src")).toBe("'self'");
    expect(directives.get("style-src")).toBe("'self'");
    expect(directives.get("img-src")).toBe("'self' data:");
    expect(directives.get("frame-ancestors")).toBe("'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|https?:|\*/);
  });

  it("keeps the pages free of inline scripts, inline styles and references to other servers", async () => {
    for (const path of Object.keys(PAGE_ROUTES)) {
      const html = (await app.inject({ url: path })).body;
      // Scripts only by `src`; the one inline element is the language data, never run (JSON).
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>/);
      expect(html).not.toMatch(/\sstyle=|<style/);
      expect(html).not.toMatch(/\son[a-z]+=/i);
      for (const reference of references(html)) {
        expect(reference).toMatch(/^(\/(?!\/)|#|data:)/);
      }
    }
  });

  it("serves every asset a page refers to, content-hashed and cached for a year", async () => {
    const seen = new Set<string>();
    for (const path of Object.keys(PAGE_ROUTES)) {
      const html = (await app.inject({ url: path })).body;
      for (const reference of references(html).filter((r) => r.startsWith("/assets/"))) {
        seen.add(reference);
        expect(reference).toMatch(/^\/assets\/[a-z-]+-[A-Z0-9]{8}\.(js|css)$/);
        const response = await app.inject({ url: reference });
        expect(response.statusCode).toBe(200);
        expect(response.headers["cache-control"]).toBe(IMMUTABLE_CACHE_CONTROL);
        expect(response.headers["x-content-type-options"]).toBe("nosniff");
        expect(response.headers["content-type"]).toBe(
          reference.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8",
        );
      }
    }
    // Each page has its own script and the shared stylesheet.
    expect(seen.size).toBe(Object.keys(PAGE_ROUTES).length + 1);
  });

  it("answers 304 Not Modified when the page has not changed", async () => {
    const first = await app.inject({ url: "/account" });
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const second = await app.inject({ url: "/account", headers: { "if-none-match": `W/${etag}` } });
    expect(second.statusCode).toBe(304);
    expect(second.body).toBe("");
    const other = await app.inject({ url: "/account", headers: { "if-none-match": '"other"' } });
    expect(other.statusCode).toBe(200);
  });

  it("serves the stylesheet under its stable name too, revalidated (the OpenID provider's pages link it)", async () => {
    const page = await app.inject({ url: "/" });
    const hashed = /href="(\/assets\/styles-[A-Z0-9]{8}\.css)"/.exec(page.body)?.[1];
    expect(hashed).toBeDefined();
    const [stable, original] = await Promise.all([
      app.inject({ url: STABLE_STYLESHEET_PATH }),
      app.inject({ url: hashed! }),
    ]);
    expect(STABLE_STYLESHEET_PATH).toBe("/assets/styles.css");
    expect(stable.statusCode).toBe(200);
    expect(stable.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(stable.body).toBe(original.body);
    expect(stable.headers["cache-control"]).toBe(REVALIDATE_CACHE_CONTROL);
    expect(original.headers["cache-control"]).toBe(IMMUTABLE_CACHE_CONTROL);
    // Only the stylesheet: the scripts keep their hashed names alone.
    expect((await app.inject({ url: "/assets/sign-in.js" })).statusCode).toBe(404);
  });

  it("answers HEAD for the pages without a body", async () => {
    const response = await app.inject({ method: "HEAD", url: "/" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe("");
    expect(response.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
  });

  it.each([
    "/assets/nothing-AAAAAAAA.js",
    "/assets/manifest.json",
    "/assets/..%2Fmanifest.json",
    "/assets/..%2F..%2Fpackage.json",
    "/assets/%2e%2e%2fsign-in.html",
  ])("answers 404 JSON for %s, which is not one of the built assets", async (url) => {
    const response = await app.inject({ url });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ status_code: 404, detail: "Not found", code: "not_found" });
  });
});

describe("a missing build", () => {
  it("answers 503 with a JSON error telling to run npm run build, then serves the pages once built", async () => {
    const parent = mkdtempSync(join(tmpdir(), "tessera-web-missing-"));
    const webRoot = join(parent, "web");
    const bare = Fastify();
    await bare.register(pageRoutes, { webRoot });
    try {
      for (const url of ["/", "/account", "/admin", "/assets/styles-AAAAAAAA.css"]) {
        const response = await bare.inject({ url });
        expect(response.statusCode).toBe(503);
        expect(response.headers["content-type"]).toMatch(/^application\/json/);
        const body = response.json();
        expect(body).toMatchObject({ status_code: 503, code: "service_unavailable" });
        expect(body.detail).toContain("npm run build");
        // The server's folders are not told to the client.
        expect(body.detail).not.toContain(parent);
      }
      // The build appears while the server runs: no restart needed.
      cpSync(build.webRoot, webRoot, { recursive: true });
      const response = await bare.inject({ url: "/" });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain("Sign in");
    } finally {
      await bare.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("answers 503 for a build whose manifest is from another version", async () => {
    const parent = mkdtempSync(join(tmpdir(), "tessera-web-old-"));
    const webRoot = join(parent, "web");
    cpSync(build.webRoot, webRoot, { recursive: true });
    const manifestPath = join(webRoot, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown>;
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, version: 99 }));
    const bare = Fastify();
    await bare.register(pageRoutes, { webRoot });
    try {
      expect((await bare.inject({ url: "/" })).statusCode).toBe(503);
    } finally {
      await bare.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe("finding the build", () => {
  it("finds the package root both from src/ (tsx, vitest) and from dist/ (npm start)", () => {
    expect(findPackageRoot(join(PACKAGE_ROOT, "src", "http", "routes"))).toBe(
      PACKAGE_ROOT.replace(/\/$/, ""),
    );
    expect(findPackageRoot(join(PACKAGE_ROOT, "dist", "http", "routes"))).toBe(
      PACKAGE_ROOT.replace(/\/$/, ""),
    );
    expect(defaultWebRoot()).toBe(join(PACKAGE_ROOT, "dist", "web"));
  });
});

describe("the app name in the pages (TESSERA_APP_NAME)", () => {
  const name = `Acme <script>alert("x")</script> & Co's`;
  let branded: FastifyInstance;
  beforeAll(async () => {
    branded = Fastify();
    await branded.register(pageRoutes, { webRoot: build.webRoot, appName: name });
  });
  afterAll(async () => {
    await branded.close();
  });

  it.each(Object.entries(PAGE_ROUTES))(
    "puts the app name, HTML-escaped, in the header and title of %s",
    async (path) => {
      const response = await branded.inject({ url: path });
      expect(response.statusCode).toBe(200);
      const escaped = "Acme &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;s";
      expect(response.body).toMatch(new RegExp(`<title>[^<]* · ${escapeRegExp(escaped)}</title>`));
      expect(response.body).toMatch(
        new RegExp(`class="brand"[^>]*>${escapeRegExp(escaped)}</(a|span)>`),
      );
      expect(response.body).not.toContain("<script>alert");
      expect(response.body).not.toMatch(/>Tessera</);
      // Two script elements, the language data and the page's own module: the name added none.
      expect(response.body.match(/<script\b/g)).toHaveLength(2);
      // The ETag is the branded page's, not the template's.
      const plain = await app.inject({ url: path });
      expect(response.headers.etag).not.toBe(plain.headers.etag);
    },
  );

  it("escapes the five HTML-special characters and leaves the default name's pages unchanged", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
    const template = '<title>Users · Tessera</title><a class="brand" href="/">Tessera</a>';
    expect(brandPage(template, "Tessera")).toBe(template);
    expect(brandPage(template, "Ünïcode")).toBe(
      '<title>Users · Ünïcode</title><a class="brand" href="/">Ünïcode</a>',
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("links to optional pages (issue 18: no probe of GET /signup)", () => {
  it("serves the sign-in page with its sign-up link shown only while /signup is served", async () => {
    const signupLink = /<p id="signup-link"[^>]*>/;
    const off = Fastify();
    await off.register(pageRoutes, { webRoot: build.webRoot, hidden: ["/signup"] });
    const closed = await off.inject({ url: "/" });
    await off.close();
    expect(closed.body.match(signupLink)?.[0]).toMatch(/\shidden>$/);
    const open = await app.inject({ url: "/" });
    expect(open.body.match(signupLink)?.[0]).toBeDefined();
    expect(open.body.match(signupLink)?.[0]).not.toMatch(/\bhidden\b/);
    // The page itself asks nothing about sign-up.
    const src = /<script[^>]*\ssrc="([^"]+)"/.exec(open.body)?.[1];
    expect(src).toBeDefined();
    const script = await app.inject({ url: src ?? "" });
    expect(script.statusCode).toBe(200);
    expect(script.body).not.toMatch(/["'`]\/signup["'`]/);
  });
});
