/**
 * Turns every failure into the seed framework's error body plus a stable code:
 * `{ status_code, detail, code, extra? }`. Never a stack trace, never internals.
 *
 * Languages (issue 24 item 3): only `detail` is translated, by the request's Accept-Language
 * (else `TESSERA_DEFAULT_LOCALE`), to the catalogue's `error.<code>` (with values from `extra`,
 * e.g. `retry_after_seconds`); the code, the status and the shape never change, and `en` keeps
 * the detail as written where the error was raised. Every error answer says its language in
 * `Content-Language`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ClientError, isTesseraError, type ErrorCode, type TesseraError } from "../core/errors.js";
import { SOURCE_LOCALE, translate, type MessageValues } from "../core/i18n.js";
import type { ErrorResponse } from "../contract/index.js";
import { ERROR_STATUS } from "./error-status.js";
import { isUnavailableError } from "../core/availability.js";
import { apiLocale } from "./locale.js";

/**
 * Retry-After of a 503 (issue 14 item 4): a database or Redis outage is usually a restart or a
 * failover, seconds long; clients and proxies back off that long instead of hammering.
 */
export const SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Fastify's own error codes and what each means for a client. */
const FASTIFY_CODES: Readonly<Record<string, { code: ErrorCode; detail: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: "payload_too_large", detail: "Request body is too large" },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "invalid_json", detail: "Request body is not valid JSON" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "invalid_json", detail: "Request body is empty" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: "unsupported_media_type",
    detail: "Content-Type must be application/json",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: "client_error", detail: "Invalid Content-Length" },
  FST_ERR_CTP_INVALID_TYPE: { code: "unsupported_media_type", detail: "Invalid Content-Type" },
  FST_ERR_VALIDATION: { code: "validation_error", detail: "Invalid request" },
  FST_ERR_BAD_URL: { code: "client_error", detail: "Invalid URL" },
  FST_ERR_ASYNC_CONSTRAINT: { code: "client_error", detail: "Invalid request" },
};

/** Builds the error body for an error code. */
export function errorBody(
  code: ErrorCode,
  detail: string,
  extra?: Record<string, unknown>,
): ErrorResponse {
  const body: ErrorResponse = { status_code: ERROR_STATUS[code], detail, code };
  if (extra !== undefined) body.extra = extra;
  return body;
}

/** The language of an error answer: Accept-Language, else the server's default language. */
function errorLocale(reply: FastifyReply): string {
  const server = reply.server;
  const fallback =
    typeof server?.hasDecorator === "function" && server.hasDecorator("tessera")
      ? server.tessera.settings.defaultLocale
      : SOURCE_LOCALE;
  return apiLocale(reply.request, fallback);
}

/**
 * The detail of an error in `locale`: the catalogue's `error.<code>` filled with `extra`'s
 * numbers and strings; `en` (and a message that cannot be filled) keeps `detail` as written.
 */
export function localizedDetail(
  locale: string,
  code: string,
  detail: string,
  extra?: Record<string, unknown>,
): string {
  if (locale === SOURCE_LOCALE) return detail;
  const values: MessageValues = {};
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (typeof value === "number" || typeof value === "string") values[name] = value;
  }
  try {
    return translate(locale, `error.${code}`, values);
  } catch {
    return detail;
  }
}

/** Sends an error body in the request's language (`Content-Language`, a translated `detail`). */
export function sendErrorBody(
  reply: FastifyReply,
  status: number,
  body: ErrorResponse | { status_code: number; detail: string; code: string },
): FastifyReply {
  const locale = errorLocale(reply);
  const detail = localizedDetail(locale, body.code, body.detail, (body as ErrorResponse).extra);
  return reply
    .code(status)
    .header("content-language", locale)
    .send(detail === body.detail ? body : { ...body, detail });
}

/** Sends a TesseraError (sets Retry-After for 429s). */
export function sendError(reply: FastifyReply, error: TesseraError): FastifyReply {
  const status = ERROR_STATUS[error.code];
  if ("retryAfterSeconds" in error && typeof error.retryAfterSeconds === "number") {
    void reply.header("retry-after", String(error.retryAfterSeconds));
  } else if (error.code === "service_unavailable") {
    void reply.header("retry-after", String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS));
  }
  // The detail of an internal error is never shown: it may name tables or paths.
  const detail =
    error.kind !== "internal"
      ? error.detail
      : error.code === "service_unavailable"
        ? "Service unavailable"
        : "Internal server error";
  void reply.type("application/json");
  return sendErrorBody(reply, status, errorBody(error.code, detail, error.extra));
}

/** Installs the error handler on `app` (and its children). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isTesseraError(error)) {
      if (error.code === "service_unavailable") {
        request.log.warn({ err: error }, "backing service unavailable");
      } else if (error.kind === "internal") {
        request.log.error({ err: error }, "internal error");
      }
      return sendError(reply, error);
    }
    if (isUnavailableError(error)) {
      // The database or Redis is down, unreachable or too slow: 503, never a 500.
      request.log.warn({ err: error }, "backing service unavailable");
      void reply.header("retry-after", String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS));
      return sendErrorBody(reply, 503, errorBody("service_unavailable", "Service unavailable"));
    }
    if (error.validation !== undefined) {
      const first = error.validation[0];
      const where = error.validationContext ?? "body";
      const field = first?.instancePath
        ? `${where}${first.instancePath.replace(/\//g, ".")}`
        : where;
      const detail = first?.message ? `${field} ${first.message}` : "Invalid request";
      return sendErrorBody(reply, 400, errorBody("validation_error", detail));
    }
    const known = error.code === undefined ? undefined : FASTIFY_CODES[error.code];
    if (known !== undefined)
      return sendErrorBody(reply, ERROR_STATUS[known.code], errorBody(known.code, known.detail));
    if (error instanceof SyntaxError)
      return sendErrorBody(reply, 400, errorBody("invalid_json", "Request body is not valid JSON"));
    const status = typeof error.statusCode === "number" ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      // A 4xx raised by a plugin (e.g. a bad cookie or header): keep the status, generic code.
      return sendErrorBody(reply, status, {
        status_code: status,
        detail: error.message,
        code: "client_error",
      });
    }
    request.log.error({ err: error }, "unhandled error");
    return sendErrorBody(reply, 500, errorBody("internal_error", "Internal server error"));
  });
}

/** Installs the JSON not-found handler (the server's root; a host app keeps its own). */
/**
 * Fastify's `frameworkErrors` option: a path that is not valid percent-encoding, or a path
 * parameter longer than the router takes, gets Tessera's error shape (400 `validation_error`)
 * instead of Fastify's own body.
 */
export function frameworkErrorHandler(
  error: Error & { code?: string },
  _request: unknown,
  reply: FastifyReply,
): FastifyReply {
  const detail =
    error.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? "A path parameter is longer than allowed"
      : "The request path is not a valid URL";
  return sendError(reply, new ClientError(detail, { code: "validation_error" }));
}

export function installNotFoundHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => {
    void sendErrorBody(reply, 404, errorBody("not_found", "Not found"));
  });
}
