/**
 * The OpenAPI 3.1 document (`GET /openapi.json`) and its browsable UI (`/docs`). Routes declare
 * their bodies, success answers and the errors their services raise; this module adds what
 * follows from how the server is built, the same way for every operation:
 * - public routes (`excludeFromAuth`) need no security; the others answer 401 without a token
 *   and 403 for a cross-site cookie write (`csrf`) or a pending password change;
 * - a route that takes a body answers 400 (bad JSON, invalid fields), 413 (too large) and 415
 *   (a media type it does not parse); one with path parameters 400 (invalid) and 404 (names nothing);
 * - an optional body (`Type.Optional`, e.g. `EmptyBody`) is `requestBody.required: false`;
 * - a rate-limited route (one that declares 429) answers 503 when the limit store is down (it
 *   fails closed, catalog MI-02);
 * - every error body's `code` is an enum: the codes that give that status (`ERROR_STATUS`);
 *   `Retry-After` is documented on 429 and 503, `Set-Cookie` on routes flagged
 *   `setsSessionCookie`;
 * - each operation gets an `operationId` (`post` + `/users/:id/promote` → `postUsersIdPromote`)
 *   unless it names one.
 */
import swagger, { type FastifyDynamicSwaggerOptions } from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, FastifySchema } from "fastify";
import { ERROR_CODES, type ErrorCode } from "../core/errors.js";
import { ERROR_STATUS } from "./error-status.js";
import { isBodyRequired } from "./request-body.js";

/** Where the UI is served; the server excludes it from authentication. */
export const OPENAPI_UI_PREFIX = "/docs";
/** Where the document is served. */
export const OPENAPI_DOCUMENT_PATH = "/openapi.json";

declare module "fastify" {
  interface FastifyContextConfig {
    /** OpenAPI: a success of this route sets or clears the session cookie (`Set-Cookie`). */
    setsSessionCookie?: boolean;
  }
}

export interface OpenApiOptions {
  /** The URL people reach the server at (the document's `servers`). */
  publicUrl: string;
  /** The API version in `info`. Default "0.1.0". */
  version?: string;
}

/** Methods whose requests carry a body Fastify parses (the others have none). */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Methods that never change state: a cookie session needs no CSRF check on them. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const STATUS_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: "Bad request: invalid JSON, an invalid field or parameter, or refused credentials",
  401: "No valid token: missing, malformed, expired or revoked, or the user is gone",
  403: "Not allowed: another user's data, a second factor needed, a password change pending, a second factor to set up first (`two_fa_enrolment_required`), a recent authentication needed (`reauthentication_required`: `POST /reauthenticate`, then again), or a cross-site request (csrf: `extra.public_origin` is the address to open)",
  404: "No such resource",
  409: "Conflicts with existing data (a name, email or passkey already used)",
  413: "Request body too large",
  415: "Unsupported Content-Type: send application/json",
  429: "Too many attempts: wait `Retry-After` seconds",
  500: "Internal error",
  503: "Unavailable for now (a store that does not answer, or pages not built): try again later",
};

const RETRY_AFTER_HEADER = {
  type: "integer",
  minimum: 0,
  description:
    "Seconds to wait before trying again (RFC 9110 §10.2.3): always on 429, on 503 when known",
};

const SET_COOKIE_HEADER = {
  type: "string",
  description:
    "The session cookie `token` (HttpOnly, SameSite=Lax, Path=/; Secure except on plain-http localhost), or its removal (Max-Age=0)",
};

/** The codes that give one status: the enum of `code` in that status's error body. */
export function errorCodesForStatus(status: number): ErrorCode[] {
  return (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === status);
}

function errorResponse(status: number): Record<string, unknown> {
  return {
    description: STATUS_DESCRIPTIONS[status] ?? "Error",
    ...(status === 429 || status === 503 ? { headers: { "retry-after": RETRY_AFTER_HEADER } } : {}),
    content: {
      "application/json": {
        schema: {
          type: "object",
          required: ["status_code", "detail", "code"],
          properties: {
            status_code: { type: "integer", const: status },
            detail: { type: "string" },
            code: { type: "string", enum: errorCodesForStatus(status) },
            extra: { type: "object", additionalProperties: true },
          },
        },
      },
    },
  };
}

/** `post` + `/users/:id/2fa/totp` → `postUsersId2faTotp`; `/` → `get` + `Root`. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== "")
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return method.toLowerCase() + (words.length === 0 ? "Root" : words.join(""));
}

/** The error statuses an operation can answer: declared by the route, plus the rules above. */
export function errorStatusesOf(route: {
  method: string;
  config?: { excludeFromAuth?: boolean; allowDuringPasswordChange?: boolean } | undefined;
  declared: readonly number[];
  hasParams: boolean;
}): number[] {
  const statuses = new Set(route.declared.filter((status) => status >= 400));
  const isPublic = route.config?.excludeFromAuth === true;
  if (!isPublic) {
    statuses.add(401);
    if (!SAFE_METHODS.has(route.method) || route.config?.allowDuringPasswordChange !== true) {
      statuses.add(403);
    }
  }
  if (BODY_METHODS.has(route.method)) for (const status of [400, 413, 415]) statuses.add(status);
  // A path parameter can be invalid (400) or name nothing (404: a user, a passkey, a file).
  if (route.hasParams) for (const status of [400, 404]) statuses.add(status);
  if (statuses.has(429)) statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

type Transform = NonNullable<FastifyDynamicSwaggerOptions["transform"]>;
type TransformObject = NonNullable<FastifyDynamicSwaggerOptions["transformObject"]>;

/**
 * The document's last step: the operations named in `optionalBodies` (an optional body,
 * `Type.Optional` such as `EmptyBody`: issue 18 item 5) get `requestBody.required: false`;
 * @fastify/swagger marks every declared body required.
 */
function markOptionalBodies(optionalBodies: ReadonlySet<string>): TransformObject {
  return (documentObject) => {
    const document = (documentObject as { openapiObject?: unknown }).openapiObject as {
      paths?: Record<string, Record<string, { operationId?: string; requestBody?: object }>>;
    };
    for (const operations of Object.values(document.paths ?? {})) {
      for (const operation of Object.values(operations)) {
        if (operation.requestBody === undefined || operation.operationId === undefined) continue;
        if (optionalBodies.has(operation.operationId)) {
          operation.requestBody = { ...operation.requestBody, required: false };
        }
      }
    }
    return document as ReturnType<TransformObject>;
  };
}

/** Documents one route; adds its operationId to `optionalBodies` when its body is optional. */
const documentRoute =
  (optionalBodies: Set<string>): Transform =>
  ({ schema, url, route }) => {
    const method = (Array.isArray(route.method) ? route.method[0] : route.method) as string;
    const config = route.config;
    const base: FastifySchema = schema ?? {};
    if (base.hide === true) return { schema: base, url };
    const declared = (base.response ?? {}) as Record<string, object>;
    const produces = (base as { produces?: readonly string[] }).produces;

    const response: Record<string, unknown> = {};
    for (const [status, body] of Object.entries(declared)) {
      if (Number(status) >= 400) continue;
      response[status] = {
        ...body,
        // @fastify/swagger's key for a response's description (else "Default Response").
        "x-response-description": status === "201" ? "Created" : "OK",
        ...(config?.setsSessionCookie === true
          ? { headers: { "set-cookie": SET_COOKIE_HEADER } }
          : {}),
      };
    }
    if (Object.keys(response).length === 0) {
      // Pages and files (`produces`), or JSON the route did not describe.
      response[200] =
        produces === undefined
          ? { description: "OK", type: "object", additionalProperties: true }
          : {
              description: "OK",
              content: Object.fromEntries(
                produces.map((type) => [type, { schema: { type: "string" } }]),
              ),
            };
      if (produces !== undefined) {
        response[304] = {
          description: "Not modified (`If-None-Match` matched the ETag)",
          type: "null",
        };
      }
    }
    const hasParams = url.includes(":") || url.includes("*");
    const statuses = errorStatusesOf({
      method,
      config,
      declared: Object.keys(declared).map(Number),
      hasParams,
    });
    for (const status of statuses) response[status] = errorResponse(status);

    const operationId = base.operationId ?? operationIdOf(method, url);
    if (base.body !== undefined && !isBodyRequired(base.body)) optionalBodies.add(operationId);
    return {
      url,
      schema: {
        ...base,
        operationId,
        ...(config?.excludeFromAuth === true ? { security: [] } : {}),
        response,
      },
    };
  };

/**
 * Registers the document and the UI on `app`. Call it before any route is registered (the
 * document lists the routes registered after it).
 */
export async function registerOpenApi(
  app: FastifyInstance,
  options: OpenApiOptions,
): Promise<void> {
  const optionalBodies = new Set<string>();
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Tessera",
        version: options.version ?? "0.1.0",
        description:
          "Authentication server: passwords, JWT sessions, TOTP and passkeys. Errors are `{ status_code, detail, code, extra? }` with a stable `code`. While the server shuts down, any request may get a 503.",
        license: { name: "MIT", identifier: "MIT" },
      },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: {
          cookie: { type: "apiKey", in: "cookie", name: "token" },
          bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        },
        schemas: {
          ErrorCode: {
            type: "string",
            description: "Every stable error code (src/core/errors.ts)",
            enum: Object.keys(ERROR_CODES),
          },
        },
      },
      security: [{ cookie: [] }, { bearer: [] }],
    },
    transform: documentRoute(optionalBodies),
    transformObject: markOptionalBodies(optionalBodies),
  });
  await app.register(swaggerUi, {
    routePrefix: OPENAPI_UI_PREFIX,
    // The UI's own CSP (hashes of its inline script and style), made strict like the pages'
    // (issue 14 item 7): never framed, and no upgrade-insecure-requests, which would break a
    // plain-http loopback install.
    staticCSP: true,
    // Without the top bar (issue 18, item 12): its Swagger logo is an SVG with an inline
    // <style>, which the CSP refuses (a console violation on every load). The bar only holds
    // the logo and a box to load another document; this UI shows this server's.
    uiConfig: { layout: "BaseLayout" },
    transformStaticCSP: (header: string) =>
      header
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(/\s*upgrade-insecure-requests;?/, ""),
    uiHooks: {
      onRequest: (_request, reply, done) => {
        // Frame protection for browsers without CSP frame-ancestors (RFC 7034).
        void reply.header("x-frame-options", "DENY");
        done();
      },
    },
  });

  app.get(
    OPENAPI_DOCUMENT_PATH,
    {
      config: { excludeFromAuth: true },
      schema: { tags: ["meta"], summary: "This OpenAPI document" },
    },
    async () => app.swagger(),
  );
}
