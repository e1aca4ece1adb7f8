/**
 * The OpenAPI document against the real app: every route the server registers (seen through an
 * `onRoute` hook attached when Fastify is created, via its `fastify.initialization` diagnostics
 * channel) is an operation of `/openapi.json` with an `operationId`, the right security and the
 * statuses it can answer; the statuses a route really answers to a bad request are among them;
 * and the document passes an OpenAPI 3.1 validator.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { FastifyInstance, RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/core/errors.js";
import { ERROR_STATUS } from "../../src/http/error-status.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

interface SeenRoute {
  method: string;
  url: string;
  config: Record<string, unknown>;
  hidden: boolean;
}

/** The statuses issue 9 says the server sends; no operation may list another error status. */
const KNOWN_ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 415, 429, 503];
/** The public routes (issue 9 item 7): no security requirement. */
const PUBLIC_OPERATIONS = [
  "get /",
  "get /account",
  "get /admin",
  "get /consent",
  "get /.well-known/jwks.json",
  "get /assets/{file}",
  "get /healthz",
  "get /not-me",
  "get /openapi.json",
  "get /readyz",
  "get /reset-password",
  "get /invitation",
  "get /signup",
  "get /verify-email",
  "post /email/verify",
  "post /email/verify/resend",
  "post /invitations/accept",
  "post /invitations/check",
  "post /invitations/passkey",
  "post /invitations/passkey/options",
  "post /login",
  "post /login/passkey",
  "post /login/passkey/options",
  "get /login/providers",
  "get /login/providers/pending",
  "get /login/providers/{id}",
  "get /login/providers/{id}/callback",
  "post /login/providers/complete",
  "post /login/providers/{id}/invitation",
  "post /logout",
  "post /not-me",
  "post /password/forgot",
  "post /password/reset-with-token",
  "post /signup",
  "post /signup/passkey",
  "post /signup/passkey/options",
  "post /token",
  "post /token/introspect",
];
/**
 * Public to sessions but guarded by a credential of their own (issue 13: the introspection
 * secret), so they do document 401. Unconfigured (as here) they answer 404 before any body is
 * read; their bodies (form or JSON, RFC 7662) are tested in test/http/routes/tokens.test.ts.
 */
const SERVICE_CREDENTIAL_OPERATIONS = ["post /token/introspect"];
/** The operations whose success sets or clears the session cookie. */
const COOKIE_OPERATIONS = [
  "delete /users/{id}",
  "get /login/providers/{id}/callback",
  "post /login/providers/complete",
  "patch /users/{id}/password/change",
  "post /invitations/accept",
  "post /invitations/passkey",
  "post /login",
  "post /login/passkey",
  "post /logout",
  "post /logout/all",
  "post /reauthenticate",
  "post /signup/passkey",
  "post /users/{id}/password/set",
];

interface Operation {
  operationId?: string;
  security?: unknown[];
  responses: Record<
    string,
    {
      headers?: Record<string, unknown>;
      content?: Record<string, { schema: { properties?: { code?: { enum?: string[] } } } }>;
    }
  >;
}
type Document = {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
};

let server: TestServer;
let document: Document;
const routes: SeenRoute[] = [];
let token = "";
let userId = "";

function onInitialization(message: unknown): void {
  const app = (message as { fastify: FastifyInstance }).fastify;
  app.addHook("onRoute", (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      routes.push({
        method,
        url: route.url,
        config: (route.config ?? {}) as Record<string, unknown>,
        hidden: route.schema?.hide === true,
      });
    }
  });
}

beforeAll(async () => {
  subscribe("fastify.initialization", onInitialization);
  try {
    server = await startTestServer("sqlite");
  } finally {
    unsubscribe("fastify.initialization", onInitialization);
  }
  const user = await server.createUser({ isAdmin: true });
  userId = user.id;
  const login = await server.client().login(user.name, user.password);
  token = /token=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1] ?? "";
  const response = await fetch(`${server.baseUrl}/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as Document;
});

afterAll(async () => {
  await server?.close();
});

/** `/users/:id` → `/users/{id}` (OpenAPI path templating). */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/** The routes the document must show: HEAD mirrors GET, and the UI under /docs hides itself. */
function documentedRoutes(): SeenRoute[] {
  return routes.filter((route) => route.method !== "HEAD" && !route.hidden);
}

function operationOf(route: SeenRoute): Operation | undefined {
  return document.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
}

function key(route: SeenRoute): string {
  return `${route.method.toLowerCase()} ${openApiPath(route.url)}`;
}

describe("the OpenAPI document", () => {
  it("passes an OpenAPI 3.1 validator", async () => {
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // The validator is not lenient: a broken operation fails it.
    const broken = structuredClone(document) as unknown as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    broken.paths["/login"]!.post!.responses = { 200: { content: {} } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("names the public URL as its server", () => {
    expect(document.servers).toEqual([{ url: server.config.publicUrl }]);
  });

  it("saw the app's routes, and hides only the UI's own and the 405 answers", () => {
    expect(documentedRoutes().length).toBeGreaterThan(20);
    for (const route of routes.filter((r) => r.hidden)) {
      // `GET /token/introspect` is no operation: it answers 405 `method_not_allowed` (issue 18).
      if (route.url === "/token/introspect" && route.method !== "POST") continue;
      // The OpenID provider (issue 21): its endpoints are described by its discovery document
      // (RFC 8414, `/.well-known/openid-configuration`), and its interaction routes are the
      // consent page's own.
      if (
        /^\/oidc\/|^\/\.well-known\/(openid-configuration|oauth-authorization-server)$/.test(
          route.url,
        )
      ) {
        continue;
      }
      expect(route.url).toMatch(/^\/docs/);
    }
  });

  it("has every route as an operation with a unique operationId", () => {
    const ids = new Set<string>();
    for (const route of documentedRoutes()) {
      const operation = operationOf(route);
      expect(operation, key(route)).toBeDefined();
      expect(operation?.operationId, key(route)).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(ids.has(operation!.operationId!), key(route)).toBe(false);
      ids.add(operation!.operationId!);
    }
  });

  it("requires no security exactly on the public routes, and 401 on every other", () => {
    const open = documentedRoutes()
      .filter((route) => operationOf(route)?.security?.length === 0)
      .map(key)
      .sort();
    expect(open).toEqual([...PUBLIC_OPERATIONS].sort());
    for (const route of documentedRoutes()) {
      const statuses = Object.keys(operationOf(route)!.responses);
      expect(statuses.includes("401"), key(route)).toBe(
        !PUBLIC_OPERATIONS.includes(key(route)) ||
          SERVICE_CREDENTIAL_OPERATIONS.includes(key(route)),
      );
    }
  });

  it("lists 400, 413 and 415 wherever a body is parsed, 403 on protected writes (csrf)", () => {
    for (const route of documentedRoutes()) {
      const statuses = Object.keys(operationOf(route)!.responses).map(Number);
      if (["POST", "PUT", "PATCH", "DELETE"].includes(route.method)) {
        expect(statuses, key(route)).toEqual(expect.arrayContaining([400, 413, 415]));
        if (!PUBLIC_OPERATIONS.includes(key(route))) expect(statuses, key(route)).toContain(403);
      }
      if (statuses.includes(429)) expect(statuses, key(route)).toContain(503);
      for (const status of statuses.filter((s) => s >= 400)) {
        expect(KNOWN_ERROR_STATUSES, `${key(route)} ${status}`).toContain(status);
      }
    }
  });

  it("gives each error status the enum of the codes that have it, and Retry-After on 429 and 503", () => {
    const allCodes = Object.keys(ERROR_CODES);
    for (const route of documentedRoutes()) {
      for (const [status, response] of Object.entries(operationOf(route)!.responses)) {
        if (Number(status) < 400) continue;
        const codes = response.content?.["application/json"]?.schema.properties?.code?.enum;
        expect(codes?.length, `${key(route)} ${status}`).toBeGreaterThan(0);
        for (const code of codes ?? []) {
          expect(allCodes).toContain(code);
          expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS]).toBe(Number(status));
        }
        const retryAfter = response.headers?.["retry-after"] !== undefined;
        expect(retryAfter, `${key(route)} ${status}`).toBe(status === "429" || status === "503");
      }
    }
    expect(document.paths["/login"]?.post?.responses["403"]?.content).toMatchObject({
      "application/json": {
        schema: {
          properties: { code: { enum: expect.arrayContaining(["csrf", "two_fa_required"]) } },
        },
      },
    });
  });

  it("documents Set-Cookie on the operations that set or clear the session cookie", () => {
    const withCookie = documentedRoutes()
      .filter((route) =>
        Object.values(operationOf(route)!.responses).some(
          (response) => response.headers?.["set-cookie"] !== undefined,
        ),
      )
      .map(key)
      .sort();
    expect(withCookie).toEqual([...COOKIE_OPERATIONS].sort());
  });
});

describe("the statuses routes really answer are documented", () => {
  /** A concrete URL for a route: a user id, a made-up passkey id or file. */
  function concrete(url: string, id: string): string {
    return url
      .replace(":id", id)
      .replace(":credential_id", "bm8tc3VjaC1wYXNza2V5")
      .replace(":file", "nothing.js");
  }

  async function send(
    route: SeenRoute,
    init: { authorization?: string; contentType?: string; body?: string },
    id = userId,
  ): Promise<number> {
    const headers: Record<string, string> = {};
    if (init.authorization !== undefined) headers.authorization = init.authorization;
    if (init.contentType !== undefined) headers["content-type"] = init.contentType;
    const response = await fetch(server.baseUrl + concrete(route.url, id), {
      method: route.method,
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  function documented(route: SeenRoute): number[] {
    return Object.keys(operationOf(route)!.responses).map(Number);
  }

  it("401 without a token on every protected route", async () => {
    for (const route of documentedRoutes().filter((r) => !PUBLIC_OPERATIONS.includes(key(r)))) {
      const status = await send(route, {});
      expect(status, key(route)).toBe(401);
      expect(documented(route), key(route)).toContain(status);
    }
  });

  it("415 for a form body and 413 for one over the limit, wherever a body is parsed", async () => {
    const bodyRoutes = documentedRoutes().filter(
      (r) =>
        ["POST", "PUT", "PATCH", "DELETE"].includes(r.method) &&
        !SERVICE_CREDENTIAL_OPERATIONS.includes(key(r)),
    );
    expect(bodyRoutes.length).toBeGreaterThan(10);
    const authorization = `Bearer ${token}`;
    const tooLarge = JSON.stringify({ padding: "x".repeat(server.config.maxBodyBytes) });
    for (const route of bodyRoutes) {
      const unsupported = await send(route, {
        authorization,
        contentType: "application/x-www-form-urlencoded",
        body: "x=1",
      });
      expect(unsupported, key(route)).toBe(415);
      const large = await send(route, {
        authorization,
        contentType: "application/json",
        body: tooLarge,
      });
      expect(large, key(route)).toBe(413);
      const malformed = await send(route, {
        authorization,
        contentType: "application/json",
        body: "{",
      });
      expect(malformed, key(route)).toBe(400);
      for (const status of [unsupported, large, malformed]) {
        expect(documented(route), key(route)).toContain(status);
      }
    }
  });

  it("404 for a path parameter that names nothing", async () => {
    const authorization = `Bearer ${token}`;
    const routesWithParams = documentedRoutes().filter(
      (r) => r.url.includes(":") && r.method === "GET",
    );
    expect(routesWithParams.length).toBeGreaterThan(2);
    for (const route of routesWithParams) {
      const status = await send(route, { authorization }, "00000000-0000-4000-8000-000000000000");
      // The pages' files answer 503 instead while the pages are not built.
      expect([404, 503], key(route)).toContain(status);
      expect(documented(route), key(route)).toContain(status);
    }
  });
});
