/** Row ids: UUIDs made in JS, so both dialects get the same values. */
import { randomUUID } from "node:crypto";

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A new random (version 4) UUID, lowercase. */
export function newId(): string {
  return randomUUID();
}

/**
 * The canonical (lowercase, hyphenated) form of a UUID, or undefined when `value` is not one.
 * Checked before a query so a malformed id is "not found", never a PostgreSQL cast error.
 */
export function canonicalId(value: unknown): string | undefined {
  return typeof value === "string" && UUID_SHAPE.test(value) ? value.toLowerCase() : undefined;
}
