/**
 * The standalone server's Fastify app: the Tessera plugin over running parts from
 * `createTessera`, the pages, OpenAPI at `/openapi.json` and a browsable UI at `/docs`.
 */
import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import type { Tessera } from "./tessera.js";
import { MAX_CREDENTIAL_ID_LENGTH } from "../contract/limits.js";
import type { AuthenticationOptions } from "./authentication.js";
import {
  frameworkErrorHandler,
  installErrorHandler,
  installNotFoundHandler,
} from "./error-handler.js";
import { LOG_SERIALIZERS, OneLineRequestLog } from "./log.js";
import { installSecurityHeaders } from "./security-headers.js";
import { registerOpenApi } from "./openapi.js";
import { installKeepAliveLimit } from "./keep-alive-limit.js";
import { tessera as tesseraPlugin } from "./plugin.js";
import { pageRoutes } from "./routes/pages.js";
import { oidcRoutes } from "./oidc/index.js";

/** Router options of the server: the authentication middleware matches on the same path. */
const ROUTER_OPTIONS = {
  ignoreDuplicateSlashes: false,
  ignoreTrailingSlash: false,
  caseSensitive: true,
  // Passkey credential ids go in paths (W3C WebAuthn §5.1: up to 1023 bytes, 1364 base64url
  // characters). The router allows twice that, so an id just over the limit still reaches the
  // route schema and gets 400 `validation_error`; only absurd segments get Fastify's 414.
  maxParamLength: 2 * MAX_CREDENTIAL_ID_LENGTH,
};

/**
 * How often Node looks for requests past their headers or request timeout (its default, 30 s,
 * would let a stalled request live up to 30 s longer than configured).
 */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

export interface BuildAppOptions {
  /** Extra middleware options (the server already excludes `/docs`). */
  authentication?: AuthenticationOptions;
  /**
   * Pino logger options, or false. Default: the configured level, secrets redacted (no logger at
   * all at level `silent`).
   */
  logger?: boolean | Record<string, unknown>;
  /**
   * Human-readable log lines (pino-pretty) instead of JSON, one line per request (method, path,
   * status, time), for a terminal. Default false.
   */
  prettyLogs?: boolean;
  /** Close the running parts with the app (`app.close()`). Default false. */
  closeTessera?: boolean;
  /**
   * Also serve the pages in the generated pseudo-language `en-XA` (issue 24's pseudo-locale
   * test: text that did not come from a catalogue shows); the server never sets it. Default false.
   */
  pseudoLocale?: boolean;
  /**
   * Register `@fastify/websocket`, so that routes a host adds with `{ websocket: true }` take
   * upgrades (authenticated by the middleware's `websocket` scope). Default true. Tessera's own
   * routes take none, and the plugin costs every request an `onRequest` and an `onResponse` hook
   * (the latter makes Fastify listen for each answer's end) and a wrapper around every handler:
   * the standalone server (`tessera serve`) turns it off (issue 20 item 3). Without it, an
   * `Upgrade` request is an ordinary request.
   */
  websocket?: boolean;
}

/**
 * Builds the standalone server's app over running parts made by `createTessera`: the plugin,
 * the pages, OpenAPI at `/openapi.json` and `/docs`. Call `listen()` on the result.
 */
export async function buildApp(
  tessera: Tessera,
  options: BuildAppOptions = {},
): Promise<FastifyInstance> {
  const settings = tessera.settings;
  // At level "silent" nothing is ever written, but a Fastify logger still makes a child logger
  // for every request and listens for the end of every answer to log it (issue 20 item 3).
  const silent = options.logger === undefined && settings.logLevel === "silent";
  const logger =
    options.logger === false || silent
      ? false
      : {
          ...(typeof options.logger === "object"
            ? options.logger
            : {
                level: settings.logLevel,
                // No token, cookie or password ever reaches a log line.
                redact: [
                  "req.headers.authorization",
                  "req.headers.cookie",
                  "req.headers.token",
                  'res.headers["set-cookie"]',
                ],
              }),
          // Path and query parameter names only (issue 14 item 7).
          serializers: LOG_SERIALIZERS,
          // A person at a terminal reads lines; a log collector reads JSON.
          ...(options.prettyLogs === true
            ? {
                transport: {
                  target: "pino-pretty",
                  // One line per event: Fastify's two request events, pretty-printed with their
                  // req and res objects, took 13 lines a request, so the first admin's
                  // one-time password scrolled away at the first page load (issue 18 item 8).
                  options: {
                    translateTime: "HH:MM:ss",
                    ignore: "pid,hostname,reqId",
                    singleLine: true,
                  },
                },
              }
            : {}),
        };
  const app = Fastify({
    logger,
    ...(options.prettyLogs === true ? { logController: new OneLineRequestLog() } : {}),
    bodyLimit: settings.maxBodyBytes,
    trustProxy: settings.trustedProxies.length > 0 ? [...settings.trustedProxies] : false,
    routerOptions: ROUTER_OPTIONS,
    // Wrong types are errors, not silently coerced; unknown fields are dropped (the seed's
    // clients may send more than we read).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: true, allErrors: false } },
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler,
    // Slow clients (issue 14 item 5): a request, body included, and its headers must arrive in
    // time; a stalled body is cut (408) and its buffers freed. Idle keep-alive connections close.
    requestTimeout: settings.requestTimeoutSeconds * 1000,
    keepAliveTimeout: settings.keepAliveTimeoutSeconds * 1000,
    // Node's own budget answers 503 past it: ours closes instead (keep-alive-limit.ts).
    maxRequestsPerSocket: 0,
    http: {
      headersTimeout: settings.headersTimeoutSeconds * 1000,
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
    },
  });
  // Past the cap, Node closes new connections at accept instead of holding their memory.
  app.server.maxConnections = settings.maxConnections;
  installKeepAliveLimit(app, settings.maxRequestsPerSocket);
  installErrorHandler(app);
  installNotFoundHandler(app);
  installSecurityHeaders(app, { publicUrl: settings.publicUrl });
  // Only JSON bodies: Fastify's built-in text/plain parser let `text/plain` reach validation.
  app.removeContentTypeParser("text/plain");
  if (options.closeTessera === true) app.addHook("onClose", () => tessera.close());

  await registerOpenApi(app, { publicUrl: settings.publicUrl });
  if (options.websocket !== false) await app.register(websocket);

  await app.register(tesseraPlugin, {
    tessera,
    routerOptions: ROUTER_OPTIONS,
    authentication: {
      ...options.authentication,
      exclude: ["/docs", ...toList(options.authentication?.exclude)],
    },
  });

  if (tessera.oidc !== undefined) {
    await app.register(oidcRoutes, {
      ctx: tessera.ctx,
      oidc: tessera.oidc,
      allowedOrigins: settings.allowedOrigins,
      secureCookie: settings.secureCookie,
    });
  }

  // The sign-up page exists only while sign-up is open (issue 12 part 5), the consent page
  // only with the OpenID provider (issue 21).
  await app.register(pageRoutes, {
    appName: settings.appName,
    defaultLocale: settings.defaultLocale,
    pseudoLocale: options.pseudoLocale === true,
    hidden: [
      ...(settings.signup === "open" ? [] : ["/signup"]),
      ...(tessera.oidc === undefined ? ["/consent"] : []),
    ],
  });
  return app;
}

function toList(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === "string" ? [value] : [...value];
}
