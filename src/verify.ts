/**
 * `tessera/verify`: verify Tessera's tokens in another service with nothing but the public
 * JWKS: no database, no signing secret. `createTokenVerifier` fetches the JWKS, caches it for
 * its `Cache-Control: max-age`, fetches again when a token names a `kid` it does not know (a
 * rotation), at most once per cooldown, and checks signature, expiry, issuer and audience.
 * `tesseraVerifier` is the Fastify plugin: it sets `request.user` from a Bearer token (or the
 * `token` cookie) and answers 401 when it is missing or not valid.
 *
 * The JWKS also lists the keys of Tessera's OpenID provider (RS256, and the session keys when
 * it signs ID tokens with them), so a signature alone does not make a token one for this
 * service: only Tessera's session tokens and access tokens pass. An ID token (it always has an
 * `aud`, the client it was issued to, and no `token_use`) is refused, so a client that received
 * one cannot present it here.
 *
 *   const verifier = createTokenVerifier({ jwksUrl: "https://auth.example.com/.well-known/jwks.json" });
 *   await app.register(tesseraVerifier, { verifier });
 *   app.get("/orders", async (request) => tokenUser(request).id);
 *
 * Roles and permissions (issue 23): `requirePermission`, `requireRole`, `hasPermission`,
 * `hasRole` and a route's `config.permissions` (`verify-permissions.ts`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { systemClock, type Clock } from "./core/clock.js";
import { importPublicJwk } from "./core/jwk.js";
import {
  ACCESS_TOKEN_USE,
  createVerifyingKeyRing,
  verifyTimedJwtPayload,
  type AsymmetricJwtAlgorithm,
  type AsymmetricJwtKey,
  type JwtKeyRing,
} from "./core/jwt/index.js";
import { installAccessChecks } from "./verify-permissions.js";

export {
  hasPermission,
  hasRole,
  requirePermission,
  requireRole,
  TokenClaimsError,
} from "./verify-permissions.js";
export type {
  AccessRequirement,
  AccessVocabulary,
  RequirementPreHandler,
  TokenWithClaims,
} from "./verify-permissions.js";

/** Least time between two fetches caused by unknown kids (a flood of forged kids costs one fetch). */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
/** How long a JWKS is kept when the answer names no max-age. */
export const DEFAULT_JWKS_MAX_AGE_MS = 300_000;
/** Longest a JWKS fetch may take. */
export const DEFAULT_JWKS_TIMEOUT_MS = 5_000;

export interface TokenVerifierOptions {
  /** Where the JWKS is, e.g. `https://auth.example.com/.well-known/jwks.json`. */
  jwksUrl: string;
  /** When set, the token's `iss` must equal it. */
  issuer?: string;
  /** When set, the token's `aud` must be or contain it. */
  audience?: string;
  /** Algorithms accepted. Default all of Tessera's: EdDSA, ES256 and RS256. */
  algorithms?: readonly AsymmetricJwtAlgorithm[];
  /** Default DEFAULT_JWKS_COOLDOWN_MS. */
  cooldownMs?: number;
  /** Default DEFAULT_JWKS_TIMEOUT_MS. */
  timeoutMs?: number;
  clock?: Clock;
}

/** What a verified token says. */
export interface VerifiedToken {
  /** The user id (`sub`, or the seed's `id`). */
  id: string;
  /** The session the token belongs to (`sid`), when it names one. */
  sessionId: string | null;
  claims: Readonly<Record<string, unknown>>;
}

export interface TokenVerifier {
  /** The token's user and claims, or null when it is not valid. Never throws for a bad token. */
  verify(token: string): Promise<VerifiedToken | null>;
  /** How many times the JWKS was fetched (for tests and metrics). */
  readonly fetches: number;
}

function maxAgeMs(response: Response): number {
  const match = /(?:^|,)\s*max-age=(\d+)/i.exec(response.headers.get("cache-control") ?? "");
  if (match === null) return DEFAULT_JWKS_MAX_AGE_MS;
  // At least a minute (a JWKS answered with max-age=0 must not mean a fetch per request).
  return Math.min(86_400_000, Math.max(60_000, Number(match[1]) * 1000));
}

function headerKid(token: string): string | null {
  const dot = token.indexOf(".");
  if (dot <= 0 || dot > 1024) return null;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, dot), "base64url").toString("utf8")) as {
      kid?: unknown;
    };
    return typeof header.kid === "string" ? header.kid : null;
  } catch {
    return null;
  }
}

/**
 * Whether verified claims are a Tessera session token (`id`, no `aud`, no `token_use`) or an
 * access token (`token_use: "access"`, core/jwt/access.ts): not an ID token or any other token
 * a key of the same JWKS signed (RFC 8725 §3.11, §3.12).
 */
function isTesseraToken(claims: Readonly<Record<string, unknown>>): boolean {
  if (claims.token_use === ACCESS_TOKEN_USE) return true;
  return (
    claims.token_use === undefined && claims.aud === undefined && typeof claims.id === "string"
  );
}

/** Makes a verifier over a remote JWKS. Nothing is fetched until the first token. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const url = new URL(options.jwksUrl);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError("jwksUrl must be an http(s) URL");
  }
  const clock = options.clock ?? systemClock;
  const cooldownMs = options.cooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS;
  const algorithms = new Set(options.algorithms ?? ["EdDSA", "ES256", "RS256"]);
  let ring: JwtKeyRing | null = null;
  let kids = new Set<string>();
  let expiresAtMs = 0;
  let lastFetchMs = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | null = null;
  let fetches = 0;

  const fetchKeys = (): Promise<void> => {
    inFlight ??= (async () => {
      lastFetchMs = clock();
      fetches += 1;
      const response = await fetch(url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "error",
      });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const body = (await response.json()) as { keys?: unknown };
      const keys = (Array.isArray(body.keys) ? body.keys : [])
        .map(importPublicJwk)
        .filter((key): key is AsymmetricJwtKey => key !== null && algorithms.has(key.algorithm));
      ring = keys.length === 0 ? null : createVerifyingKeyRing(keys);
      kids = new Set(keys.map((key) => key.kid));
      expiresAtMs = clock() + maxAgeMs(response);
    })().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  const keysFor = async (kid: string): Promise<JwtKeyRing | null> => {
    const now = clock();
    const stale = now >= expiresAtMs;
    const unknown = !kids.has(kid) && now - lastFetchMs >= cooldownMs;
    if (stale || unknown) {
      try {
        await fetchKeys();
      } catch {
        // Keep the keys we had: a JWKS outage must not log everyone out. Without any, nothing verifies.
      }
    }
    return kids.has(kid) ? ring : null;
  };

  return {
    get fetches() {
      return fetches;
    },
    async verify(token) {
      if (typeof token !== "string") return null;
      const kid = headerKid(token);
      if (kid === null) return null; // Tessera's asymmetric tokens always name their key
      const keys = await keysFor(kid);
      if (keys === null) return null;
      const claims = verifyTimedJwtPayload(token, { keys, clock });
      if (claims === null || !isTesseraToken(claims)) return null;
      if (options.issuer !== undefined && claims.iss !== options.issuer) return null;
      if (options.audience !== undefined) {
        const aud = claims.aud;
        const ok = Array.isArray(aud) ? aud.includes(options.audience) : aud === options.audience;
        if (!ok) return null;
      }
      const id = typeof claims.sub === "string" ? claims.sub : claims.id;
      if (typeof id !== "string") return null;
      return { id, sessionId: typeof claims.sid === "string" ? claims.sid : null, claims };
    },
  };
}

/** Options of the Fastify plugin. */
export interface TesseraVerifierOptions {
  verifier: TokenVerifier;
  /** Route `config` flag that makes a route public. Default `"excludeFromAuth"`, as Tessera's. */
  excludeFromAuthKey?: string;
  /**
   * The permissions routes may ask for (`requirePermission`, `config.permissions`); another is
   * an error as the route is registered. Default: any well-formed `resource:action`.
   */
  permissions?: readonly string[];
  /** The same for roles (`requireRole`, `config.roles`). */
  roles?: readonly string[];
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function readBearer(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) return BEARER.exec(authorization)?.[1] ?? null;
  const cookie = request.headers.cookie;
  if (typeof cookie !== "string") return null;
  const match = /(?:^|;\s*)token=([^;]+)/.exec(cookie);
  return match?.[1] ?? null;
}

/** The verified token of a request, or null on an excluded route. */
export function tokenUserOf(request: FastifyRequest): VerifiedToken | null {
  return (request as unknown as { user?: VerifiedToken | null }).user ?? null;
}

/** The verified token of a request on a protected route. @throws Error on an excluded route. */
export function tokenUser(request: FastifyRequest): VerifiedToken {
  const user = tokenUserOf(request);
  if (user === null) throw new Error("tokenUser() on a route without a verified token");
  return user;
}

async function verifierPlugin(
  app: FastifyInstance,
  options: TesseraVerifierOptions,
): Promise<void> {
  const key = options.excludeFromAuthKey ?? "excludeFromAuth";
  if (!app.hasRequestDecorator("user")) app.decorateRequest("user", null);
  installAccessChecks(app, { permissions: options.permissions, roles: options.roles });
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config as unknown as Record<string, unknown>;
    if (config[key] === true || request.method === "OPTIONS") return;
    const token = readBearer(request);
    const verified = token === null ? null : await options.verifier.verify(token);
    if (verified === null) {
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer error="invalid_token"')
        .send({ status_code: 401, detail: "Invalid or expired token", code: "not_authorized" });
    }
    // `request.user` is typed by Tessera's own plugin where both are compiled together; here it
    // holds the verified token (read it typed with tokenUser()).
    (request as unknown as { user: VerifiedToken | null }).user = verified;
  });
}

/** The Fastify plugin (`fastify-plugin`, name `tessera-verifier`). */
export const tesseraVerifier = fp(verifierPlugin, { name: "tessera-verifier", fastify: "5.x" });
