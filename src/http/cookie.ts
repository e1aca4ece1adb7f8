import type { FastifyReply } from "fastify";
import type {} from "@fastify/cookie";
import { TOKEN_COOKIE } from "./authentication.js";
import {
  DEFAULT_DEVICE_COOKIE_MAX_AGE_SECONDS,
  DEVICE_COOKIE,
} from "../services/sign-in/device-cookie.js";

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

/** The session cookie's attributes (those a clearing must repeat). */
function sessionCookieAttributes(options: SessionCookieOptions) {
  return { httpOnly: true, sameSite: "lax", secure: options.secure, path: "/" } as const;
}

/** Clears the session cookie. */
export function clearSessionCookie(reply: FastifyReply, options: SessionCookieOptions): void {
  void reply.clearCookie(TOKEN_COOKIE, sessionCookieAttributes(options));
}

/**
 * The `Set-Cookie` value that clears the session cookie, for an answer Fastify does not send
 * (the OpenID provider's, written to the raw response): as `clearSessionCookie` writes it.
 */
export function clearedSessionCookieHeader(
  serialize: (name: string, value: string, options: Record<string, unknown>) => string,
  options: SessionCookieOptions,
): string {
  return serialize(TOKEN_COOKIE, "", {
    ...sessionCookieAttributes(options),
    expires: new Date(0),
    maxAge: 0,
  });
}

/**
 * Sets the device cookie after a sign-in (issue 14 item 2): httpOnly, SameSite=Strict (only a
 * sign-in from our own pages needs it), kept across sign-outs.
 */
export function setDeviceCookie(
  reply: FastifyReply,
  token: string,
  options: SessionCookieOptions,
): void {
  void reply.setCookie(DEVICE_COOKIE, token, {
    httpOnly: true,
    sameSite: "strict",
    secure: options.secure,
    path: "/login",
    maxAge: DEFAULT_DEVICE_COOKIE_MAX_AGE_SECONDS,
  });
}
