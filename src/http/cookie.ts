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

/** Clears the session cookie. */
export function clearSessionCookie(reply: FastifyReply, options: SessionCookieOptions): void {
  void reply.clearCookie(TOKEN_COOKIE, {
    httpOnly: true,
    sameSite: "lax",
    secure: options.secure,
    path: "/",
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
