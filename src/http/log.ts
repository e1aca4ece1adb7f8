/**
 * What the log says about a request (issue 14 item 7): the method, the path and the NAMES of
 * its query parameters, never their values (a token or a password sent in a URL was logged in
 * full), and never headers (cookies and tokens).
 */
import { LogController, type FastifyReply, type FastifyRequest } from "fastify";

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

/**
 * Request logging for a terminal: one line when the answer is sent (`GET /me 401 3 ms`, the
 * path as `redactUrl` gives it) instead of Fastify's two events a request, each with its req
 * and res objects, which pino-pretty printed as 13 lines (issue 18 item 8).
 */
export class OneLineRequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = `${request.method} ${redactUrl(request.url)} ${reply.statusCode} ${Math.round(reply.elapsedTime)} ms`;
    if (error) reply.log.error({ err: error }, line);
    else reply.log.info(line);
  }
}
