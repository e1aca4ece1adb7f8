/** Conversions between JS values and the portable column representations (see schema.ts). */
import type { SqlBool } from "kysely";
import type { EpochMs } from "./schema.js";

/** The largest distance from the epoch a Date can hold (ECMA-262 §21.4.1.1: 10^8 days). */
const MAX_TIME_MS = 8.64e15;

/**
 * A time of the store's API (epoch milliseconds, see index.ts) as written to an `EpochMs`
 * column: a fraction is dropped toward zero and NaN, ±Infinity or a time past ±10^8 days
 * throws `TypeError`, exactly as `new Date(ms).getTime()` did when the API took Dates
 * (ECMA-262 §21.4.1.31 TimeClip), so every stored value is unchanged.
 */
export function toEpochMs(ms: number): EpochMs {
  if (typeof ms !== "number" || !(Math.abs(ms) <= MAX_TIME_MS)) {
    throw new TypeError("Expected a time in epoch milliseconds");
  }
  return Math.trunc(ms) + 0; // + 0: TimeClip's -0 is +0
}

/** Epoch milliseconds as a Date. */
export function fromEpochMs(ms: EpochMs): Date {
  return new Date(Number(ms));
}

/** Nullable epoch milliseconds as a Date or null. */
export function fromNullableEpochMs(ms: EpochMs | null): Date | null {
  return ms === null ? null : fromEpochMs(ms);
}

/** A JS boolean as written to a boolean column: 0 or 1 on both dialects. */
export function toDbBool(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

/** A boolean column as read: 0/1 from SQLite, true/false from PostgreSQL. */
export function fromDbBool(value: SqlBool): boolean {
  return value === true || value === 1;
}

// NUL cannot be stored in PostgreSQL text or jsonb; lone surrogates are not valid UTF-8.
// eslint-disable-next-line no-control-regex -- NUL is exactly what it finds
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A string that both dialects store as is: NUL and lone surrogates become U+FFFD. */
export function storableText(value: string): string {
  return value.replace(UNSTORABLE, "\ufffd");
}

/** Whether a string holds a character no stored key or id can contain (a lookup is a miss). */
export function hasControlCharacter(value: string): boolean {
  return /\p{Cc}/u.test(value);
}
