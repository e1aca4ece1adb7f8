import type { FastifyRequest } from "fastify";
import { NotAuthorizedError } from "../core/errors.js";
import { negotiateLocale } from "../core/i18n.js";
import type { Actor, RequestMeta } from "../services/context.js";
import { DEVICE_COOKIE } from "../services/sign-in/device-cookie.js";
import type { PublicUser } from "../services/users-view.js";

/**
 * The client's address (through trusted proxies only: Fastify `trustProxy`), user agent,
 * device cookie (checked by the login service, which knows the user) and language (its
 * Accept-Language: the mails the request causes speak it to people without a saved one).
 */
export function requestMeta(request: FastifyRequest): RequestMeta {
  const agent = request.headers["user-agent"];
  return {
    ip: request.ip,
    userAgent: typeof agent === "string" ? agent.slice(0, 512) : null,
    deviceToken: request.cookies[DEVICE_COOKIE] ?? null,
    sessionId: request.auth?.sessionId ?? null,
    locale: negotiateLocale(request.headers["accept-language"]),
  };
}

/** The signed-in user as an actor. @throws NotAuthorizedError on a public route. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.user === null) throw new NotAuthorizedError();
  return { id: request.user.id, isAdmin: request.user.isAdmin };
}

/** The signed-in user. @throws NotAuthorizedError on a public route. */
export function currentUser(request: FastifyRequest): PublicUser {
  if (request.user === null) throw new NotAuthorizedError();
  return request.user;
}
