/**
 * Helpers for the route schemas. The schemas themselves are the wire contract
 * (`src/contract/`); Fastify serialises replies through them, so a field that is not listed
 * there (a hash, a secret) can never leave the server by accident.
 */
import type { TSchema } from "@sinclair/typebox";
import { ErrorResponse } from "../contract/index.js";

/** The error responses a route can give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of statuses) out[status] = inline(ErrorResponse);
  return out;
}

/** Drops the `$id` of a shared wire schema so it can be used inline in several routes. */
export function inline<T extends TSchema>(schema: T): T {
  const { $id: _id, ...rest } = schema as T & { $id?: string };
  return rest as T;
}
