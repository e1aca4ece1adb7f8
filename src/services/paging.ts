/**
 * The page of a list that grows with its data (issue 25 item 4): its size, checked against
 * `MAX_PAGE_SIZE`, and its cursor, an opaque base64url of the last item's sort key (an epoch-ms
 * time and an id). A malformed `limit` or `cursor` is a 400 `validation_error` naming the field.
 */
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../contract/index.js";
import { ClientError } from "../core/errors.js";

/** A sort key: the item's time and id, in that order. */
export interface PageKey {
  createdAtMs: number;
  id: string;
}

/** A page of items and the cursor of the next (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

// A time (epoch ms, 15 digits reach year 33658) and an id: a UUID or base64url, 64 at most.
const KEY_SHAPE = /^([0-9]{1,15})\.([A-Za-z0-9_-]{1,64})$/;

/** The cursor that starts after `key`. */
export function encodeCursor(key: PageKey): string {
  return Buffer.from(`${key.createdAtMs}.${key.id}`, "utf8").toString("base64url");
}

/**
 * The key a cursor names; `isId` tells whether its id has the list's form (a UUID for users).
 * @throws ClientError `validation_error` (`field: "cursor"`).
 */
export function decodeCursor(cursor: string, isId: (id: string) => boolean = () => true): PageKey {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor)
    ? Buffer.from(cursor, "base64url").toString("utf8")
    : "";
  const match = KEY_SHAPE.exec(text);
  // Only the cursors `encodeCursor` makes: a hand-edited one is refused, not read loosely.
  if (
    match === null ||
    !isId(match[2]!) ||
    encodeCursor({ createdAtMs: Number(match[1]), id: match[2]! }) !== cursor
  ) {
    throw new ClientError("cursor is not one this list gave", {
      code: "validation_error",
      extra: { field: "cursor" },
    });
  }
  return { createdAtMs: Number(match[1]), id: match[2]! };
}

/**
 * The page size asked for (digits), `fallback` when absent, at most `max`.
 * @throws ClientError `validation_error` (`field: "limit"`).
 */
export function parseLimit(
  limit: string | undefined,
  max: number = MAX_PAGE_SIZE,
  fallback: number = Math.min(DEFAULT_PAGE_SIZE, max),
): number {
  if (limit === undefined) return fallback;
  const value = /^[0-9]{1,6}$/.test(limit) ? Number(limit) : Number.NaN;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ClientError(`limit must be from 1 to ${max}`, {
      code: "validation_error",
      extra: { field: "limit" },
    });
  }
  return value;
}

/**
 * A page from `rows`, read with `limit + 1` (one more than shown tells whether there is a next
 * page, without a count): at most `limit` items, and the cursor after the last of them.
 */
export function toPage<T>(rows: T[], limit: number, keyOf: (item: T) => PageKey): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
