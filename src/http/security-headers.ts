/**
 * Headers on every answer (issue 14 item 7; OWASP Secure Headers Project, OWASP REST Security
 * Cheat Sheet "Security headers"):
 * - `X-Content-Type-Options: nosniff`: a JSON answer is never sniffed into HTML or script;
 * - `Cache-Control: no-store` unless the route chose its own (pages and hashed assets do):
 *   sign-in answers, tokens and user data must not sit in a shared or browser cache;
 * - `Referrer-Policy: no-referrer` unless the route chose its own (pages: same-origin);
 * - `Strict-Transport-Security` when the public URL is https (RFC 6797 §6.1; one year, the
 *   max-age the HSTS preload list asks for; no includeSubDomains: other hosts are not ours).
 * `/docs` gets its Content-Security-Policy and frame protection from `openapi.ts`.
 */
import type { FastifyInstance } from "fastify";

/** HSTS max-age: one year (RFC 6797 §6.1.1; hstspreload.org asks for at least a year). */
export const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

export interface SecurityHeadersOptions {
  /** The URL people reach the server at: https turns HSTS on. */
  publicUrl: string;
}

/**
 * Adds the headers to every answer of `app` and its children (a plain hook, so it follows
 * Fastify's encapsulation: in the plugin it covers Tessera's routes only).
 */
export function installSecurityHeaders(
  app: FastifyInstance,
  options: SecurityHeadersOptions,
): void {
  const hsts = options.publicUrl.startsWith("https:")
    ? `max-age=${HSTS_MAX_AGE_SECONDS}`
    : undefined;
  // Issue 20 item 3: decided once here, and a callback hook (no promise per answer).
  app.addHook("onSend", (_request, reply, payload, done) => {
    void reply.header("x-content-type-options", "nosniff");
    if (!reply.hasHeader("cache-control")) void reply.header("cache-control", "no-store");
    if (!reply.hasHeader("referrer-policy")) void reply.header("referrer-policy", "no-referrer");
    if (hsts !== undefined) void reply.header("strict-transport-security", hsts);
    done(null, payload);
  });
}
