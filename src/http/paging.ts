/**
 * How a page of a list leaves the server (issue 25 item 4): the array body older clients read,
 * and the next page in the headers, `Link: </users?…&cursor=…>; rel="next"` (RFC 8288 §3; a
 * reference relative to the request's own URI, §3.1) and `X-Next-Cursor`, both absent on the
 * last page.
 */
import type { TSchema } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { NEXT_CURSOR_HEADER, pageHeaders } from "../contract/index.js";

/** A list's response schema with the page headers (and `extra` ones) for the OpenAPI document. */
export function pageResponse<T extends TSchema>(
  schema: T,
  extra: Record<string, { type: "string"; description: string }> = {},
): T {
  return { ...schema, headers: { ...pageHeaders, ...extra } };
}

/** Sets the next page's headers (when there is one) and gives the items back as the body. */
export function sendPage<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  items: T[],
  nextCursor: string | null,
): T[] {
  if (nextCursor !== null) {
    const next = new URL(request.url, "http://host.invalid");
    next.searchParams.set("cursor", nextCursor);
    reply.header(NEXT_CURSOR_HEADER, nextCursor);
    reply.header("link", `<${next.pathname}${next.search}>; rel="next"`);
  }
  return items;
}
