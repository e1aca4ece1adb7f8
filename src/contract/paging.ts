/**
 * Paging of the lists that grow with their data (issue 25 item 4): `limit` and an opaque
 * `cursor` in the query; the body stays the array older clients read, and the next page is
 * named in the headers (`Link: <…>; rel="next"`, RFC 8288 §3, and `X-Next-Cursor`).
 */
import { Type } from "@sinclair/typebox";
import { DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE } from "./limits.js";

/** The header holding the next page's cursor (absent on the last page). */
export const NEXT_CURSOR_HEADER = "x-next-cursor";
/** `GET /users` (admins, first page): how many users match `q` and the filters (SQL COUNT). */
export const TOTAL_COUNT_HEADER = "x-total-count";

/**
 * `limit` and `cursor` of a paged list. A query string is text (the app does not coerce
 * types): `limit` is digits, checked against the maximum by the service, so an out-of-range
 * value is a 400 `validation_error` with `extra.field: "limit"`, as a malformed cursor is one
 * with `"cursor"`.
 */
export const pageQueryFields = {
  limit: Type.Optional(
    Type.String({
      maxLength: 6,
      description: `items per page, 1 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}`,
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      maxLength: MAX_CURSOR_LENGTH,
      description: `the previous page's \`X-Next-Cursor\` (or follow its \`Link: rel="next"\`)`,
    }),
  ),
};

/** The response headers of a page, for the OpenAPI document. */
export const pageHeaders = {
  link: Type.String({
    description: 'RFC 8288: `<url of the next page>; rel="next"`, absent on the last page',
  }),
  [NEXT_CURSOR_HEADER]: Type.String({
    description: "the next page's cursor (pass it as `cursor`), absent on the last page",
  }),
};
