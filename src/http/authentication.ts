/**
 * `AuthenticationMiddleware` of the seed, as a Fastify plugin: every request must carry a valid
 * token (cookie `token`, `Authorization: Bearer …`, or the seed's legacy `token` header) unless
 * its route, path, method or scope is excluded. Afterwards `request.user` and `request.auth`
 * are set. One `onRequest` hook does the whole check, so an unauthenticated request never
 * reaches body parsing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type {} from "@fastify/cookie";
import { NotAuthorizedError, PermissionDeniedError, isTesseraError } from "../core/errors.js";
import { sendError } from "./error-handler.js";
import { compileExcludePatterns, routerPath, type RouterPathOptions } from "./router-path.js";
import { assertSameOrigin } from "./csrf.js";
import type { AuthenticatedSession } from "../services/sessions/sessions.js";
import type { PersonalTokenAuthenticator } from "../services/personal-tokens/authenticate.js";
import { hasPersonalTokenPrefix } from "../core/personal-token.js";
import { assertTokenScope } from "./token-scopes.js";
import type { PublicUser } from "../services/users-view.js";
import { bearerCredentials } from "./credentials.js";

/** The seed's default: requests with this flag in their route `config` are public. */
export const DEFAULT_EXCLUDE_FROM_AUTH_KEY = "excludeFromAuth";
/** The seed's default: CORS preflights carry no credentials. */
export const DEFAULT_EXCLUDE_HTTP_METHODS: readonly string[] = Object.freeze(["OPTIONS"]);
/** The seed's default scopes: plain HTTP and WebSocket upgrades. */
export const DEFAULT_SCOPES: readonly AuthenticationScope[] = Object.freeze(["http", "websocket"]);
/** The cookie that carries the session token (the seed's name). */
export const TOKEN_COOKIE = "token";

export type AuthenticationScope = "http" | "websocket";

/** The seed's `AuthenticationMiddleware` options. */
export interface AuthenticationOptions {
  /**
   * Regular expressions of public paths. Each must match from the start of the path up to its
   * end or a `/` (safer than the seed, which searched anywhere in the path). Default: none.
   */
  exclude?: string | readonly string[];
  /** Route `config` flag that makes a route public. Default `"excludeFromAuth"`. */
  excludeFromAuthKey?: string;
  /** Methods that skip authentication. Default `["OPTIONS"]`. */
  excludeHttpMethods?: readonly string[];
  /** What is authenticated: `"http"` requests, `"websocket"` upgrades. Default both. */
  scopes?: readonly AuthenticationScope[];
}

/** The signed-in user as the HTTP layer sees it: no hash, no secrets. */
export type AuthenticatedUser = PublicUser;

/** How the request was authenticated (`request.auth`). */
export interface AuthenticationResult {
  user: AuthenticatedUser;
  auth: {
    token: string;
    source: "cookie" | "bearer" | "header";
    tokenVersion: number;
    expiresAtSeconds: number;
    /** The session (`sid`), or null for a token the seed issued or a personal access token. */
    sessionId: string | null;
    /**
     * Set for a personal access token (issue 23): its id and what it opens now (its scopes
     * that its user still holds). Absent for sessions.
     */
    personalToken?: { id: string; scopes: readonly string[] };
  };
  /** A fresh token for the same session when the idle window runs low, else null. */
  renewed: { token: string; maxAgeSeconds: number } | null;
}

/** The response header that carries a renewed token to Bearer and `token`-header clients. */
export const RENEWED_TOKEN_HEADER = "tessera-token";

/** What the middleware needs from the rest of the app. */
export interface AuthenticationDependencies {
  /**
   * Checks a token and returns its session (`authenticateSessionToken` of
   * `services/sessions/sessions.ts`). @throws NotAuthorizedError when the token is not valid.
   */
  authenticateToken(token: string): Promise<AuthenticatedSession>;
  /**
   * Checks a personal access token (`Bearer tsr_pat_…`, issue 23); absent: such a token is
   * checked as a session token (and refused).
   */
  authenticatePersonalToken?: PersonalTokenAuthenticator;
  /** Origins whose cookie-authenticated writes are accepted. */
  allowedOrigins: readonly string[];
  routerOptions?: RouterPathOptions;
  /**
   * Sends a renewed token (sliding sessions) as the session cookie. Default: the
   * `Tessera-Token` header only, for every source.
   */
  setCookie?: (reply: FastifyReply, renewed: { token: string; maxAgeSeconds: number }) => void;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in user, or null on public routes. */
    user: AuthenticatedUser | null;
    /** The token and how it came, or null on public routes. */
    auth: AuthenticationResult["auth"] | null;
  }
  interface FastifyContextConfig {
    /** Public route: no authentication (the default `excludeFromAuthKey`). */
    excludeFromAuth?: boolean;
    /** May be called by a user who must change the password first. */
    allowDuringPasswordChange?: boolean;
    /** Set by the middleware on routes declared with `websocket: true`. */
    tesseraWebsocketRoute?: boolean;
  }
}

/** Reads the token from the request: Bearer header, then legacy `token` header, then cookie. */
export function readToken(
  request: FastifyRequest,
): { token: string; source: "cookie" | "bearer" | "header" } | null {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    // RFC 6750 §2.1: a b64token after the scheme (any case); anything else is no token.
    const token = bearerCredentials(authorization);
    return token !== null && /^[A-Za-z0-9\-._~+/]+=*$/.test(token)
      ? { token, source: "bearer" }
      : null;
  }
  const header = request.headers.token;
  if (typeof header === "string" && header !== "") return { token: header, source: "header" };
  const cookie = request.cookies?.[TOKEN_COOKIE];
  if (cookie !== undefined && cookie !== "") return { token: cookie, source: "cookie" };
  return null;
}

/**
 * The seed's `authenticate_request`: reads the token from the request and lets the sessions
 * service check it (signature, expiry, token version, the user still exists).
 * @throws NotAuthorizedError for a missing, malformed, expired, revoked or orphaned token.
 */
export function createRequestAuthenticator(
  deps: Pick<AuthenticationDependencies, "authenticateToken" | "authenticatePersonalToken">,
): (request: FastifyRequest) => Promise<AuthenticationResult> {
  return async (request) => {
    const found = readToken(request);
    if (found === null) throw new NotAuthorizedError("Missing or malformed token");
    // A personal access token is a Bearer credential only: never a cookie nor the seed's header.
    if (
      found.source === "bearer" &&
      deps.authenticatePersonalToken !== undefined &&
      hasPersonalTokenPrefix(found.token)
    ) {
      const agent = request.headers["user-agent"];
      const checked = await deps.authenticatePersonalToken(found.token, {
        ip: request.ip,
        userAgent: typeof agent === "string" ? agent.slice(0, 512) : null,
      });
      return {
        user: checked.user,
        auth: {
          token: found.token,
          source: "bearer",
          tokenVersion: checked.user.tokenVersion,
          expiresAtSeconds: checked.expiresAtSeconds,
          sessionId: null,
          personalToken: { id: checked.tokenId, scopes: checked.scopes },
        },
        renewed: null,
      };
    }
    const session = await deps.authenticateToken(found.token);
    return {
      user: session.user,
      auth: {
        token: found.token,
        source: found.source,
        tokenVersion: session.tokenVersion,
        expiresAtSeconds: session.expiresAtSeconds,
        sessionId: session.sessionId,
      },
      renewed: session.renewed,
    };
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether a route is open to a user who owes a second factor: flagged `allowDuringEnrolment`
 * (src/http/route-policy.ts), and on a `/users/{id}/…` route only for the user's own id.
 */
function openDuringEnrolment(request: FastifyRequest, config: Record<string, unknown>): boolean {
  if (config.allowDuringEnrolment !== true) return false;
  const params = request.params as { id?: unknown } | undefined;
  return params?.id === undefined || params.id === request.user?.id;
}

/** The `config` flag of a route its options open (excluded by its flag, or out of the scopes). */
const OPEN_ROUTE = "tesseraOpenRoute";

async function authenticationPlugin(
  app: FastifyInstance,
  options: AuthenticationOptions & AuthenticationDependencies,
): Promise<void> {
  const key = options.excludeFromAuthKey ?? DEFAULT_EXCLUDE_FROM_AUTH_KEY;
  const methods = new Set(
    (options.excludeHttpMethods ?? DEFAULT_EXCLUDE_HTTP_METHODS).map((m) => m.toUpperCase()),
  );
  const scopes = new Set(options.scopes ?? DEFAULT_SCOPES);
  const excluded = compileExcludePatterns(options.exclude);
  // No patterns: no need to normalise every request's path.
  const hasExclusions = options.exclude !== undefined && options.exclude.length > 0;
  if (excluded.opensRoot) {
    app.log.warn(
      { exclude: options.exclude },
      "authentication.exclude opens the root path /: is that intended?",
    );
  }
  const authenticate = createRequestAuthenticator(options);
  const routerOptions = options.routerOptions ?? {};

  app.decorateRequest("user", null);
  app.decorateRequest("auth", null);

  // Remember which routes are WebSocket routes: the scope must come from the route, not from
  // an `Upgrade` header a client can add to any request to dodge the "http" scope.
  app.addHook("onRoute", (route) => {
    const websocket = (route as { websocket?: unknown }).websocket === true;
    const scope: AuthenticationScope = websocket ? "websocket" : "http";
    // Issue 20 item 3: what the route's options decide is decided once, here; the request's
    // method and path (exclusion patterns) are still read per request.
    const open = !scopes.has(scope) || route.config?.[key as keyof typeof route.config] === true;
    if (websocket || open) {
      route.config = {
        ...route.config,
        ...(websocket ? { tesseraWebsocketRoute: true } : {}),
        ...(open ? { [OPEN_ROUTE]: true } : {}),
      };
    }
  });

  // A callback hook: a route open by its options costs no promise (issue 20 item 3).
  app.addHook("onRequest", (request: FastifyRequest, reply: FastifyReply, done) => {
    const config = request.routeOptions.config as unknown as Record<string, unknown>;
    if (config[OPEN_ROUTE] === true) return done();
    const scope: AuthenticationScope = config.tesseraWebsocketRoute === true ? "websocket" : "http";
    if (!scopes.has(scope)) return done();
    if (methods.has(request.method)) return done();
    if (config[key] === true) return done();
    if (hasExclusions) {
      const path = routerPath(request.url, routerOptions);
      if (path !== null && excluded.test(path)) return done();
    }
    // Answered here (an error) ends the request; otherwise on to the route. One promise: the
    // checks after the token's are synchronous (issue 20 item 3).
    authenticate(request).then(
      (result) => {
        try {
          accept(request, reply, config, result);
        } catch (error) {
          refuse(request, reply, error, done);
          return;
        }
        done();
      },
      (error: unknown) => refuse(request, reply, error, done),
    );
  });

  /**
   * Sets the request's user after the checks that follow the token's.
   * @throws TesseraError when the request is refused.
   */
  function accept(
    request: FastifyRequest,
    reply: FastifyReply,
    config: Record<string, unknown>,
    result: AuthenticationResult,
  ): void {
    request.user = result.user;
    request.auth = result.auth;
    // Issue 23: a personal access token opens only the routes its scopes name.
    if (result.auth.personalToken !== undefined) assertTokenScope(request, reply, config);
    // A session in a cookie is sent by the browser on its own: check where a write came from.
    if (result.auth.source === "cookie" && !SAFE_METHODS.has(request.method)) {
      assertSameOrigin(request, options.allowedOrigins);
    }
    if (result.user.mustChangePassword && config.allowDuringPasswordChange !== true) {
      throw new PermissionDeniedError("The password must be changed first", {
        code: "password_change_required",
      });
    }
    // Issue 11 item 3: a user who owes a second factor reaches enrolment only (their own).
    if (result.user.twoFaEnrolmentRequired === true && !openDuringEnrolment(request, config)) {
      throw new PermissionDeniedError("Set up a second factor first", {
        code: "two_fa_enrolment_required",
      });
    }
    if (result.renewed !== null) {
      // Sliding session: the cookie for browsers, a header for Bearer and `token`-header clients.
      if (result.auth.source === "cookie" && options.setCookie !== undefined) {
        options.setCookie(reply, result.renewed);
      } else {
        void reply.header(RENEWED_TOKEN_HEADER, result.renewed.token);
      }
    }
  }
}

/**
 * A refused request is answered here with its error (which ends it); any other failure goes to
 * Fastify's error handling.
 */
function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  done: (error?: Error) => void,
): void {
  if (!isTesseraError(error)) {
    done(error as Error);
    return;
  }
  request.user = null;
  request.auth = null;
  void sendError(reply, error);
}

/** The authentication middleware as a Fastify plugin (`fastify-plugin`, name `tessera-authentication`). */
export const authentication = fp(authenticationPlugin, {
  name: "tessera-authentication",
  fastify: "5.x",
  dependencies: ["@fastify/cookie"],
});
