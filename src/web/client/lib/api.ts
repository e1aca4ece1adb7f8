/**
 * The pages' only way to the server: JSON over `fetch` on the same origin. The session is the
 * httpOnly `token` cookie, so no token ever reaches this code. Every write sends
 * `Content-Type: application/json` and a JSON body (the browser adds `Origin` itself, which the
 * server's CSRF check reads).
 */
import { pageLocale, t } from "./i18n.js";
import type { ErrorBody } from "./types.js";

/** Code of the error thrown when the server could not be reached at all. */
export const NETWORK_ERROR_CODE = "network_error";

/** A failed API call: the server's error body, or a network failure. */
export class ApiError extends Error {
  /** HTTP status, or 0 when the server was not reached. */
  readonly status: number;
  /** The server's stable error code (`invalid_credentials`, …) or `network_error`. */
  readonly code: string;
  /** The server's human-readable detail. */
  readonly detail: string;
  readonly extra: Readonly<Record<string, unknown>>;
  /** Seconds to wait before trying again (429 only), else null. */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, body: ErrorBody, retryAfterSeconds: number | null = null) {
    super(body.detail);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.detail = body.detail;
    this.extra = body.extra ?? {};
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** The path of a user's resource, `/users/{id}{suffix}`, the id percent-encoded. */
export function userPath(userId: string, suffix = ""): string {
  return `/users/${encodeURIComponent(userId)}${suffix}`;
}

/**
 * Asks the person to authenticate again (`methods`: `extra.methods` of the 403
 * `reauthentication_required`); resolves true once `POST /reauthenticate` succeeded, false when
 * they gave up.
 */
export type ReauthenticationHandler = (methods: readonly string[]) => Promise<boolean>;

let reauthenticationHandler: ReauthenticationHandler | null = null;

/**
 * Lets a page answer `reauthentication_required` inline: `api` then asks through `handler` and,
 * when it succeeds, sends the same request again (once).
 */
export function onReauthenticationRequired(handler: ReauthenticationHandler | null): void {
  reauthenticationHandler = handler;
}

/**
 * Calls the API and returns the parsed JSON body. A sensitive action refused for want of a
 * recent authentication is asked for inline (see `onReauthenticationRequired`) and retried.
 * @throws ApiError for any non-2xx answer (with the server's code) or a network failure.
 */
export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  try {
    return await send<T>(method, path, body);
  } catch (error) {
    const handler = reauthenticationHandler;
    if (
      handler === null ||
      !(error instanceof ApiError) ||
      error.code !== "reauthentication_required"
    ) {
      throw error;
    }
    const methods = Array.isArray(error.extra.methods)
      ? error.extra.methods.filter((m): m is string => typeof m === "string")
      : ["password"];
    if (!(await handler(methods))) throw error;
    return send<T>(method, path, body);
  }
}

/** A page of a paged list: its items, the next page's cursor, the count when the server sent one. */
export interface ApiPage<T> {
  items: T[];
  /** `X-Next-Cursor`; null on the last page. */
  nextCursor: string | null;
  /** `X-Total-Count`; null when absent. */
  total: number | null;
}

/**
 * `GET` of a paged list (issue 25): the array body and the paging headers.
 * @throws ApiError.
 */
export async function apiPage<T>(path: string): Promise<ApiPage<T>> {
  let headers: Headers | undefined;
  const items = await send<T[]>("GET", path, undefined, (h) => {
    headers = h;
  });
  const total = headers?.get("X-Total-Count") ?? null;
  return {
    items,
    nextCursor: headers?.get("X-Next-Cursor") ?? null,
    total: total === null || !/^\d+$/.test(total) ? null : Number(total),
  };
}

/** One request: the parsed JSON body. @throws ApiError. */
async function send<T>(
  method: Method,
  path: string,
  body?: unknown,
  onHeaders?: (headers: Headers) => void,
): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    cache: "no-store",
    // The page's language: the API's error texts (`detail`) come back in it.
    headers: { Accept: "application/json", "Accept-Language": pageLocale() },
  };
  if (method !== "GET") {
    // Fastify refuses an empty body with a JSON content type: writes always send an object.
    init.headers = { ...init.headers, "Content-Type": "application/json" };
    init.body = JSON.stringify(body ?? {});
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, {
      status_code: 0,
      code: NETWORK_ERROR_CODE,
      detail: t("common.error_network_detail"),
    });
  }
  const text = await response.text();
  const parsed = parseJson(text);
  onHeaders?.(response.headers);
  if (response.ok) return parsed as T;
  throw new ApiError(
    response.status,
    toErrorBody(response.status, parsed),
    retryAfterSeconds(response.headers.get("Retry-After"), parsed),
  );
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The server's error body, or a generic one when the answer was not JSON (a proxy page). */
export function toErrorBody(status: number, parsed: unknown): ErrorBody {
  if (
    typeof parsed === "object" &&
    parsed !== null &&
    typeof (parsed as ErrorBody).code === "string" &&
    typeof (parsed as ErrorBody).detail === "string"
  ) {
    return parsed as ErrorBody;
  }
  return {
    status_code: status,
    code: "http_error",
    detail: t("common.error_http", { status: String(status) }),
  };
}

/**
 * Seconds to wait from a 429: the `Retry-After` header (delta-seconds, RFC 9110 §10.2.3), else
 * the body's `extra.retry_after_seconds`; null when neither is a positive number.
 */
export function retryAfterSeconds(header: string | null, body: unknown): number | null {
  if (header !== null && /^\d+$/.test(header.trim())) {
    const value = Number(header.trim());
    if (value > 0) return value;
  }
  const extra = (body as ErrorBody | undefined)?.extra;
  const fromBody = extra?.retry_after_seconds;
  return typeof fromBody === "number" && Number.isFinite(fromBody) && fromBody > 0
    ? Math.ceil(fromBody)
    : null;
}
