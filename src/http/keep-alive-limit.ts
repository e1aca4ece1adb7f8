/**
 * The request budget of a keep-alive connection (`TESSERA_MAX_REQUESTS_PER_SOCKET`, issue 20
 * item 4). Node's own `maxRequestsPerSocket` answers every request past the budget with a 503
 * while the connection stays open: a client that ignores `Connection: close` (or pipelines)
 * got a stream of 503s. Here the last allowed answer says `Connection: close`, after which Node
 * closes the socket; a request that still arrives past the budget gets no answer at all (the
 * socket is being closed), never a 503. `0`: no budget.
 */
import type { FastifyInstance } from "fastify";

/** Requests seen on a socket, kept on the socket itself (no map to clean up). */
const REQUESTS_SEEN = Symbol("tessera.requestsSeen");
/** Marks a request already counted. */
const COUNTED = Symbol("tessera.requestCounted");

interface CountedSocket {
  [REQUESTS_SEEN]?: number;
}

/** Installs the budget on every route of `app` (before anything else runs for a request). */
export function installKeepAliveLimit(app: FastifyInstance, maxRequestsPerSocket: number): void {
  if (maxRequestsPerSocket <= 0) return;
  app.addHook("onRequest", (request, reply, done) => {
    // Once per request: `callNotFound` runs the hooks again for the same request.
    const raw = request.raw as typeof request.raw & { [COUNTED]?: true };
    if (raw[COUNTED] === true) return done();
    raw[COUNTED] = true;
    const socket = request.raw.socket as typeof request.raw.socket & CountedSocket;
    const seen = (socket[REQUESTS_SEEN] ?? 0) + 1;
    socket[REQUESTS_SEEN] = seen;
    if (seen < maxRequestsPerSocket) return done();
    if (seen === maxRequestsPerSocket) {
      // Node's own switch (what its limit does for the last allowed answer): it writes
      // `Connection: close` and ends the connection after this answer, also when a route
      // writes to the raw response (the OpenID provider's routes do).
      reply.raw.shouldKeepAlive = false;
      return done();
    }
    // Past the budget (pipelined, or sent regardless of `Connection: close`): the last allowed
    // answer closes the socket once it is out; this request is dropped unanswered and never
    // reaches its handler (a hijacked reply ends the hook chain).
    reply.hijack();
    done();
  });
}
