/**
 * How a page of a list leaves the server (issue 25 item 4): the array body older clients read,
 * and the next page in the headers, `Link: </users?…&cursor=…>; rel="next"` (RFC 8288 §3; a
 * reference relative to the request's own URI, §3.1) and `X-Next-Cursor`, both absent on the
 * last page.
 *
 * A page is read (and mapped to views) in one turn of the event loop and serialised in a later one, and
 * each of these steps waits for a turn of its own: at most one step of one page per turn, the
 * others queued in order (item 5, "no answer holds the event loop"). Between two steps the loop
 * takes the timers and the I/O that arrived meanwhile (a `/healthz`, a sign-in). A gate that
 * only bounds how many pages run at once does not do this: on SQLite a page is synchronous, so
 * the requests that arrive in one turn each find the gate free and all run in that turn
 * (measured with bench/users-scale.ts: 19-20 pages between two ticks of a 1 ms timer, the
 * event loop 60-75 ms late at p50 while 20 clients paged).
 */
import type { TSchema } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { NEXT_CURSOR_HEADER, pageHeaders } from "../contract/index.js";

const waiting: (() => void)[] = [];
let pumping = false;

/** Lets the first waiting step go, and the next one a turn later. */
function pump(): void {
  waiting.shift()?.();
  if (waiting.length > 0) setImmediate(pump);
  else pumping = false;
}

/**
 * Resolves in a later turn of the event loop, one waiter a turn, first come first served (the
 * step runs in the microtasks of that turn's check phase). Exported for its test.
 */
export function nextPageTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
    }
  });
}

/** A list's response schema with the page headers (and `extra` ones) for the OpenAPI document. */
export function pageResponse<T extends TSchema>(
  schema: T,
  extra: Record<string, { type: "string"; description: string }> = {},
): T {
  return { ...schema, headers: { ...pageHeaders, ...extra } };
}

/** A page as a service gives it, with any extra headers. */
export interface PageAnswer<T> {
  items: T[];
  nextCursor: string | null;
  headers?: Record<string, string>;
}

/**
 * Answers a page: `build` reads and maps it in a turn of its own, then its headers are set and its items
 * serialised by the route's response schema in another (for 200 users that is most of the work).
 */
export async function sendPage<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  build: () => Promise<PageAnswer<T>>,
): Promise<FastifyReply> {
  await nextPageTurn();
  const page = await build();
  await nextPageTurn();
  for (const [name, value] of Object.entries(page.headers ?? {})) reply.header(name, value);
  if (page.nextCursor !== null) {
    const next = new URL(request.url, "http://host.invalid");
    next.searchParams.set("cursor", page.nextCursor);
    reply.header(NEXT_CURSOR_HEADER, page.nextCursor);
    reply.header("link", `<${next.pathname}${next.search}>; rel="next"`);
  }
  const body = reply.serialize(page.items);
  return reply.type("application/json; charset=utf-8").send(body);
}
