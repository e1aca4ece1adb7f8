/**
 * Per-network request limits for public routes that cost the server something whoever asks
 * (passkey options, re-authentication options, mail-sending requests): @fastify/rate-limit,
 * keyed by the client's network (`normalizeClientAddress`), answering our 429.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { TooManyRequestsError } from "../core/errors.js";
import { normalizeClientAddress } from "../services/abuse/rate-limit/index.js";

/** Registers the limit for the routes of `app` that opt in (`config.rateLimit`). */
export async function registerAddressRateLimit(
  app: Parameters<FastifyPluginAsyncTypebox>[0],
): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => normalizeClientAddress(request.ip),
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(context.ttl / 1000, "Too many requests, try again later"),
  });
}
