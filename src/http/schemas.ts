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

/**
 * The proof of work of a sign-in during a storm (issue 20 item 5), as the sign-in routes
 * document it.
 */
export const PROOF_OF_WORK_DESCRIPTION =
  'While password checks overflow, a sign-in without a device cookie gets 429 `proof_of_work_required` with `extra.challenge`, an ALTCHA v2 challenge (`{ parameters: { algorithm: "PBKDF2/SHA-256", nonce, salt, cost, keyLength, keyPrefix, data: { expires_at_ms } }, signature }`, good for 60 s): find the counter whose PBKDF2 key (password = nonce bytes + counter as 4 bytes big-endian, `cost` iterations) starts with `keyPrefix` (`altcha-lib`\'s `solveChallenge` does it), then send the request again with `proof_of_work` = base64 of the JSON `{ challenge, solution: { counter, derivedKey } }`. Each solution is accepted once; an expired, forged, wrong or reused one gets 429 `proof_of_work_invalid` with a new challenge.';
