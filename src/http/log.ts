/**
 * What the log says about a request (issue 14 item 7): the method, the path and the NAMES of
 * its query parameters, never their values (a token or a password sent in a URL was logged in
 * full), and never headers (cookies and tokens).
 */
import type { FastifyRequest } from "fastify";

/** Query values dropped: `/a?token=x&b=1` → `/a?token&b`. Fragments never reach a server. */
export function redactUrl(url: string): string {
  const mark = url.indexOf("?");
  if (mark < 0) return url;
  const names = url
    .slice(mark + 1)
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const name = pair.split("=", 1)[0] ?? "";
      try {
        return encodeURIComponent(decodeURIComponent(name.replace(/\+/g, " "))).slice(0, 64);
      } catch {
        return "(malformed)";
      }
    });
  return `${url.slice(0, mark)}?${names.join("&")}`;
}

/** Pino serializers for Fastify's `req` (replaces Fastify's, which logs the full URL). */
export const LOG_SERIALIZERS = Object.freeze({
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: redactUrl(request.url),
      remoteAddress: request.ip,
    };
  },
});
