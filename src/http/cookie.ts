import type { FastifyReply } from "fastify";
import type {} from "@fastify/cookie";
import { TOKEN_COOKIE } from "./authentication.js";

export interface SessionCookieOptions {
  /** `Secure` flag: everywhere but plain-http localhost. */
  secure: boolean;
}

/** Sets the session cookie: httpOnly, SameSite=Lax, Max-Age = the token's validity. */
export function setSessionCookie(
  reply: FastifyReply,
  token: string,
  maxAgeSeconds: number,
  options: SessionCookieOptions,
): void {
  void reply.setCookie(TOKEN_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    secure: options.secure,
    path: "/",
    maxAge: maxAgeSeconds,
  });
}

/** Clears the session cookie. */
export function clearSessionCookie(reply: FastifyReply, options: SessionCookieOptions): void {
  void reply.clearCookie(TOKEN_COOKIE, {
    httpOnly: true,
    sameSite: "lax",
    secure: options.secure,
    path: "/",
  });
}
