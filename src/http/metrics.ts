/**
 * `GET /metrics` and the hooks that feed it: every answered request by method, route pattern
 * and status (never the raw URL, so no id reaches a label), sign-ins by result and factor, and
 * rate-limit refusals. Off unless `TESSERA_METRICS=true`; then readable from the addresses in
 * `TESSERA_METRICS_ALLOW` (the client address after `TESSERA_TRUSTED_PROXIES`) or with
 * `Authorization: Bearer TESSERA_METRICS_TOKEN` (compared in constant time).
 */
import { BlockList, isIP } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PermissionDeniedError, isTesseraError } from "../core/errors.js";
import type { SignInFactor, SignInResult, TesseraMetrics } from "../services/metrics.js";
import { bearerCredentials, sameSecret, secretDigest } from "./credentials.js";
import { presentedSecondFactor, type SecondFactorAnswer } from "../services/sign-in/login.js";

/** Where sign-ins are answered (route patterns). */
const SIGN_IN_ROUTES = new Set(["/login", "/login/passkey"]);

/** What `installMetrics` needs. */
export interface MetricsHttpOptions {
  metrics: TesseraMetrics;
  allow: readonly string[];
  token: string | null;
}

/**
 * Adds the request hooks to `app` (before any route context is made, so every route gets them)
 * and returns the function that adds `GET /metrics` to a route context.
 */
export function installMetrics(
  app: FastifyInstance,
  options: MetricsHttpOptions,
): (routes: FastifyInstance) => void {
  const { metrics } = options;
  const errorCodes = new WeakMap<FastifyRequest, string>();
  app.addHook("onError", async (request, _reply, error) => {
    if (isTesseraError(error)) errorCodes.set(request, error.code);
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    metrics.observeRequest(request.method, route, status, reply.elapsedTime / 1000);
    if (status === 429) metrics.rateLimited(route);
    if (request.method === "POST" && SIGN_IN_ROUTES.has(route)) {
      metrics.signIn(signInResult(status, errorCodes.get(request)), signInFactor(route, request));
    }
  });

  const allowed = toBlockList(options.allow);
  const token = options.token === null ? null : secretDigest(options.token);
  return (routes) => {
    routes.get(
      "/metrics",
      { config: { excludeFromAuth: true }, schema: { hide: true } },
      async (request: FastifyRequest, reply: FastifyReply) => {
        if (!isAllowedAddress(allowed, request.ip) && !hasToken(request, token)) {
          throw new PermissionDeniedError("Metrics are not available to this client");
        }
        reply.header("content-type", metrics.registry.contentType);
        reply.header("cache-control", "no-store");
        return metrics.registry.metrics();
      },
    );
  };
}

function signInResult(status: number, code: string | undefined): SignInResult {
  if (status < 300) return "success";
  if (status === 429) return "throttled";
  switch (code) {
    case "invalid_credentials":
    case "two_fa_required":
    case "invalid_two_fa_code":
    case "password_change_required":
      return code;
    default:
      if (code?.includes("locked") === true) return "locked";
      return status >= 500 ? "error" : "rejected";
  }
}

/** The factor an attempt presented, by the sign-in's own rule (`presentedSecondFactor`). */
function signInFactor(route: string, request: FastifyRequest): SignInFactor {
  if (route === "/login/passkey") return "passkey";
  const body: unknown = request.body;
  if (typeof body !== "object" || body === null) return "password";
  return presentedSecondFactor(body as SecondFactorAnswer) ?? "password";
}

function toBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    if (entry === "loopback") {
      list.addSubnet("127.0.0.0", 8, "ipv4");
      list.addAddress("::1", "ipv6");
      continue;
    }
    const [address = "", prefix] = entry.split("/");
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

function isAllowedAddress(list: BlockList, ip: string): boolean {
  // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
  const address = ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 6 ? "ipv6" : "ipv4");
}

/** `Authorization: Bearer <TESSERA_METRICS_TOKEN>`, compared in constant time. */
function hasToken(request: FastifyRequest, expected: Buffer | null): boolean {
  if (expected === null) return false;
  const given = bearerCredentials(request.headers.authorization);
  return given !== null && sameSecret(given, expected);
}
