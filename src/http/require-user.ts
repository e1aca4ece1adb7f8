/**
 * Typed access to the signed-in user for route handlers of host apps. `request.user` is
 * declared `AuthenticatedUser | null` (it is null on excluded routes, and Fastify decorates
 * every request with it), so a handler of a protected route asks for the user through these
 * instead of writing `request.user!`.
 */
import type { FastifyRequest } from "fastify";
import { NotAuthorizedError } from "../core/errors.js";
import type { AuthenticatedUser, AuthenticationResult } from "./authentication.js";

/** A request that passed the authentication middleware: `user` and `auth` are set. */
export type AuthenticatedRequest<R extends FastifyRequest = FastifyRequest> = R & {
  user: AuthenticatedUser;
  auth: AuthenticationResult["auth"];
};

/** Whether the middleware authenticated `request` (false on excluded routes and methods). */
export function isAuthenticated<R extends FastifyRequest>(
  request: R,
): request is AuthenticatedRequest<R> {
  return request.user !== null && request.auth !== null;
}

/**
 * The signed-in user of a protected route.
 * @throws NotAuthorizedError (401, code `not_authorized`) when there is none: the route is
 *   excluded from authentication, so calling this there is a mistake that must not pass quietly.
 */
export function requireUser(request: FastifyRequest): AuthenticatedUser {
  return requireAuthenticated(request).user;
}

/**
 * The request with `user` and `auth` typed non-null (for handlers that need the token too).
 * @throws NotAuthorizedError (401) as `requireUser` does.
 */
export function requireAuthenticated<R extends FastifyRequest>(
  request: R,
): AuthenticatedRequest<R> {
  if (isAuthenticated(request)) return request;
  // `statusCode` lets a host app's own error handler (Fastify's default) answer 401 too.
  throw Object.assign(new NotAuthorizedError(), { statusCode: 401 });
}
