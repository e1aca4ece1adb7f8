/**
 * How a page of a list leaves the server (issue 25 item 4): the array body older clients read,
 * and the next page in the headers, `Link: </users?…&cursor=…>; rel="next"` (RFC 8288 §3; a
 * reference relative to the request's own URI, §3.1) and `X-Next-Cursor`, both absent on the
 * last page.
 *
 * A page is read, mapped and serialised inside a gate (item 5, "no answer holds the event
 * loop"): at most `MAX_CONCURRENT_PAGES` at once in this process, the others wait on a promise,
 * and each turn passes on through `setImmediate`, so the event loop takes the requests that
 * arrived meanwhile (a `/healthz`, a sign-in) between two pages instead of after all of them.
 * Measured (bench/users-scale.ts): 20 clients paging 200 users at a time held `/healthz` for
 * seconds without it.
 */
import type { TSchema } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { NEXT_CURSOR_HEADER, pageHeaders } from "../contract/index.js";

/** Pages built at once per process: two keep a database round trip overlapped with work. */
export const MAX_CONCURRENT_PAGES = 2;

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `work` when a place in the gate is free; the place passes on after a turn of the loop (exported for its test). */
export async function inPageGate<T>(work: () => Promise<T>): Promise<T> {
  if (running < MAX_CONCURRENT_PAGES) running += 1;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    // The place goes straight to the next page, but only after the loop's I/O phase.
    if (next === undefined) running -= 1;
    else setImmediate(next);
  }
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
 * Answers a page: `build` reads it (in the gate), its headers are set, and its items are
 * serialised by the route's response schema (in the gate too: for 200 users that is most of
 * the work).
 */
export async function sendPage<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  build: () => Promise<PageAnswer<T>>,
): Promise<FastifyReply> {
  const body = await inPageGate(async () => {
    const page = await build();
    for (const [name, value] of Object.entries(page.headers ?? {})) reply.header(name, value);
    if (page.nextCursor !== null) {
      const next = new URL(request.url, "http://host.invalid");
      next.searchParams.set("cursor", page.nextCursor);
      reply.header(NEXT_CURSOR_HEADER, page.nextCursor);
      reply.header("link", `<${next.pathname}${next.search}>; rel="next"`);
    }
    return reply.serialize(page.items);
  });
  return reply.type("application/json; charset=utf-8").send(body);
}
