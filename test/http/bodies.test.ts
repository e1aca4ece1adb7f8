/**
 * Issue 18 item 5: request bodies, walked over the real route table. A route that takes no
 * body (no body schema, or an optional one) accepts no body, an empty body sent with
 * `Content-Type: application/json` (many API clients send it on every request, DELETE
 * included), and `{}`; OpenAPI says such a body is optional. Every route that reads a body
 * still refuses malformed JSON with 400 `invalid_json`, and one whose body is required refuses
 * an empty one.
 *
 * The routes are seen through an `onRoute` hook attached when Fastify is created (its
 * `fastify.initialization` diagnostics channel), as in openapi.test.ts. Requests are an
 * admin's, with a Bearer token, on another user (path parameters that exist or are well
 * formed), so each one gets past authentication to the body; a route that ends the session
 * (sign-out) gets a fresh token for the next request.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { randomUUID } from "node:crypto";
import { KindGuard, type TSchema } from "@sinclair/typebox";
import type { FastifyInstance, RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestResponse, type TestServer } from "../helpers/server.js";

interface SeenRoute {
  method: string;
  url: string;
  /** The route's body schema, when it has one. */
  body: TSchema | undefined;
}

interface Operation {
  requestBody?: { required?: boolean };
}

const INTROSPECTION_SECRET = "s".repeat(32);
let server: TestServer;
const routes: SeenRoute[] = [];
let admin: { name: string; password: string };
let targetId = "";
let token = "";
let document: { paths: Record<string, Record<string, Operation>> };

function onInitialization(message: unknown): void {
  const app = (message as { fastify: FastifyInstance }).fastify;
  app.addHook("onRoute", (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      const body = (route.schema as { body?: TSchema } | undefined)?.body;
      routes.push({ method, url: route.url, body });
    }
  });
}

beforeAll(async () => {
  subscribe("fastify.initialization", onInitialization);
  try {
    server = await startTestServer("sqlite", {
      env: { TESSERA_INTROSPECTION_SECRET: INTROSPECTION_SECRET },
    });
  } finally {
    unsubscribe("fastify.initialization", onInitialization);
  }
  admin = await server.createUser({ isAdmin: true });
  targetId = (await server.createUser({})).id;
  document = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as typeof document;
});

afterAll(async () => {
  await server?.close();
});

/** The routes a body can be sent to (Fastify parses none on GET and HEAD). */
/**
 * The OpenID provider's endpoints (handed to oidc-provider unparsed): their bodies are OAuth's
 * urlencoded forms, and a bad one answers OAuth's `invalid_request` (RFC 6749 §5.2), tested in
 * test/http/oidc/.
 */
const PROVIDER_ROUTE =
  /^\/oidc\/\*$|^\/\.well-known\/(openid-configuration|oauth-authorization-server)$/;

function bodyRoutes(): SeenRoute[] {
  return routes.filter(
    (route) =>
      !["GET", "HEAD", "OPTIONS"].includes(route.method) && !PROVIDER_ROUTE.test(route.url),
  );
}

/** Whether the route declares a body it must be sent. */
function requiresBody(route: SeenRoute): boolean {
  return route.body !== undefined && !KindGuard.IsOptional(route.body);
}

function pathOf(url: string): string {
  return url
    .replace(":id", targetId)
    .replace(/:[a-z_]+/g, () => randomUUID())
    .replace("*", "x");
}

async function signIn(): Promise<string> {
  const answer = await server.client().request("POST", "/token", {
    json: { name: admin.name, password: admin.password },
  });
  expect(answer.status).toBe(200);
  return answer.body.access_token as string;
}

/** Sends as the admin; a 401 (a sign-out ended the session) is sent again with a new token. */
async function send(
  route: SeenRoute,
  options: { body?: string; contentType?: string },
): Promise<TestResponse> {
  for (let attempt = 0; ; attempt++) {
    if (token === "") token = await signIn();
    // The introspection endpoint's caller is a service with its own secret (RFC 7662 §2.1).
    const bearer = route.url === "/token/introspect" ? INTROSPECTION_SECRET : token;
    const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
    if (options.contentType !== undefined) headers["content-type"] = options.contentType;
    const answer = await server.client().request(route.method, pathOf(route.url), {
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    if (answer.status !== 401 || attempt > 0) return answer;
    token = "";
  }
}

describe("request bodies over the route table", () => {
  it("sees the routes, bodyless and not", () => {
    expect(bodyRoutes().filter(requiresBody).length).toBeGreaterThan(10);
    expect(bodyRoutes().filter((route) => !requiresBody(route)).length).toBeGreaterThan(10);
  });

  it("a route without a required body accepts none, an empty JSON body and {}", async () => {
    const refused: string[] = [];
    for (const route of bodyRoutes().filter((r) => !requiresBody(r))) {
      for (const [form, options] of [
        ["no body", {}],
        ["empty application/json", { body: "", contentType: "application/json" }],
        ["{}", { body: "{}", contentType: "application/json" }],
      ] as const) {
        const answer = await send(route, options);
        // A refusal of the body itself; a 400 of the flow (e.g. no passkey to use) is not one.
        const ofTheBody = ["validation_error", "invalid_json", "unsupported_media_type"];
        if (answer.status === 401 || ofTheBody.includes(answer.body?.code)) {
          refused.push(`${route.method} ${route.url} (${form}): ${answer.status} ${answer.text}`);
        }
      }
    }
    expect(refused).toEqual([]);
  }, 120_000);

  it("every route that reads a body refuses malformed JSON with invalid_json", async () => {
    const wrong: string[] = [];
    for (const route of bodyRoutes()) {
      const answer = await send(route, { body: '{"name": ', contentType: "application/json" });
      if (answer.status !== 400 || answer.body?.code !== "invalid_json") {
        wrong.push(`${route.method} ${route.url}: ${answer.status} ${answer.text}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it("a route whose body is required refuses an empty one as invalid_json", async () => {
    const wrong: string[] = [];
    for (const route of bodyRoutes().filter(requiresBody)) {
      const answer = await send(route, { body: "", contentType: "application/json" });
      if (answer.status !== 400 || answer.body?.code !== "invalid_json") {
        wrong.push(`${route.method} ${route.url}: ${answer.status} ${answer.text}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it("OpenAPI marks the body of a route that takes none optional, and a required one required", () => {
    const wrong: string[] = [];
    for (const route of bodyRoutes()) {
      const path = route.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      if (operation === undefined) continue; // hidden (the pages)
      const required = operation.requestBody?.required ?? false;
      if (required !== requiresBody(route)) {
        wrong.push(`${route.method} ${route.url}: requestBody.required ${String(required)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
