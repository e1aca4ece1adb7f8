/**
 * Issue 14 item 10: a property-based fuzz test against every route of a real listening server.
 * Each run picks a documented operation (from /openapi.json) and sends it with random or mutated
 * path parameters, query, headers, cookies, tokens and bodies, with and without a valid session.
 * It fails on any 5xx, on an answer that does not come within the request timeout (a hang), and
 * if the server stops answering (a crash). Bounded: FUZZ_RUNS (default 1,000) runs; with CI=true
 * the seed is fixed (test/setup/fast-check.ts).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ORIGIN, startTestServer, type TestServer } from "../helpers/server.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
/** The server's request timeout in this test; an answer later than this (plus slack) is a hang. */
const REQUEST_TIMEOUT_SECONDS = 5;
const HANG_MS = (REQUEST_TIMEOUT_SECONDS + 5) * 1000;

interface Operation {
  method: string;
  path: string;
}

describe("fuzzing every route", () => {
  let server: TestServer;
  let operations: Operation[];
  let sessions: string[];
  let userIds: string[];

  beforeAll(async () => {
    server = await startTestServer("sqlite", {
      env: {
        TESSERA_REQUEST_TIMEOUT_SECONDS: String(REQUEST_TIMEOUT_SECONDS),
        TESSERA_HEADERS_TIMEOUT_SECONDS: String(REQUEST_TIMEOUT_SECONDS),
      },
    });
    const admin = await server.createUser({ isAdmin: true });
    const user = await server.createUser({});
    const sessionsOf = async (name: string, password: string) => {
      const client = server.client();
      await client.login(name, password);
      return [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    };
    sessions = [
      await sessionsOf(admin.name, admin.password),
      await sessionsOf(user.name, user.password),
    ];
    userIds = [admin.id, user.id];
    const document = (await server.client().request("GET", "/openapi.json")).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
    );
    // Unbuilt pages answer a documented 503 (pages.ts); fuzz them only when built.
    if ((await server.client().request("GET", "/")).status === 503) {
      console.log(
        "fuzz: the web pages are not built here (npm run build), so their routes are left out",
      );
      const pages = new Set(["/", "/account", "/admin", "/assets/{file}"]);
      operations = operations.filter((op) => !pages.has(op.path));
    }
    expect(operations.length).toBeGreaterThan(20);
  });
  afterAll(() => server.close());

  it("never answers 5xx, never hangs and never crashes", async () => {
    const printable = fc.string({
      unit: fc.constantFrom(..."abcAZ09-_.~%/?&=;:@+ !$'()*,[]{}\"<>\\".split("")),
      maxLength: 40,
    });
    const unicode = fc.string({ unit: "binary", maxLength: 20 });
    const pathValue = fc.oneof(
      fc.constantFrom(...["me", "0", "-1", "%00", "%2e%2e", "..", "%ZZ", "a".repeat(3000)]),
      fc.constant("<user id>"),
      printable,
      unicode.map((s) => encodeURIComponent(s)),
      fc.uuid(),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            name: fc.oneof(printable, unicode, fc.constant("<user name>")),
            email: fc.oneof(printable, fc.emailAddress()),
            password: fc.oneof(printable, fc.string({ maxLength: 1100 })),
            old_password: printable,
            new_password: printable,
            code: fc.oneof(fc.stringMatching(/^\d{6}$/), printable),
            two_fa_code: fc.oneof(fc.stringMatching(/^\d{6}$/), printable, fc.constant(null)),
            is_admin: fc.oneof(fc.boolean(), printable),
            webauthn_response: fc.jsonValue({ maxDepth: 3 }),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
      printable,
      unicode,
    );
    const request = fc.record({
      operation: fc.integer({ min: 0, max: 10_000 }),
      params: fc.array(pathValue, { minLength: 3, maxLength: 3 }),
      query: fc.option(fc.dictionary(printable, printable, { maxKeys: 3 }), { nil: undefined }),
      session: fc.constantFrom("none", "admin", "user", "garbled", "bearer-garbage"),
      contentType: fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
        "application/json; charset=latin1",
      ),
      origin: fc.constantFrom(TEST_ORIGIN, "https://evil.example", "null", ""),
      body,
      extraHeader: fc.option(
        fc.tuple(
          fc.constantFrom("x-forwarded-for", "accept", "content-length", "if-none-match", "range"),
          printable,
        ),
        { nil: undefined },
      ),
    });

    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const operation = operations[input.operation % operations.length]!;
        let index = 0;
        const path = operation.path.replace(/\{[^}]+\}/g, () => {
          const value = input.params[index++ % input.params.length]!;
          return value === "<user id>" ? userIds[index % userIds.length]! : value;
        });
        const query =
          input.query === undefined
            ? ""
            : `?${Object.entries(input.query)
                .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
                .join("&")}`;
        const headers: Record<string, string> = {};
        if (input.contentType !== "") headers["content-type"] = input.contentType;
        if (input.origin !== "") headers.origin = input.origin;
        if (input.session === "admin") headers.cookie = sessions[0]!;
        if (input.session === "user") headers.cookie = sessions[1]!;
        if (input.session === "garbled") headers.cookie = `token=${sessions[1]!.slice(6, 60)}x`;
        if (input.session === "bearer-garbage") headers.authorization = "Bearer a.b.c";
        if (input.extraHeader !== undefined && input.extraHeader[0] !== "content-length") {
          headers[input.extraHeader[0]] = input.extraHeader[1];
        }
        const withBody = !["GET", "HEAD"].includes(operation.method) && input.body !== undefined;
        let url: URL;
        try {
          url = new URL(path + query, server.baseUrl);
        } catch {
          return; // not a URL a client could send
        }
        const response = await fetch(url, {
          method: operation.method,
          headers,
          body: withBody ? input.body : undefined,
          redirect: "manual",
          signal: AbortSignal.timeout(HANG_MS),
        });
        const text = await response.text();
        if (response.status >= 500) {
          throw new Error(
            `${operation.method} ${url.pathname}${url.search} → ${response.status} ${text.slice(0, 200)}`,
          );
        }
      }),
      { numRuns: RUNS },
    );
    // Still alive and serving.
    expect((await server.client().request("GET", "/healthz")).status).toBe(200);
  }, 300_000);
});
