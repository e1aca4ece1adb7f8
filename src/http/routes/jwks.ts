/**
 * `GET /.well-known/jwks.json`: the public keys that still verify live session tokens (EdDSA or
 * ES256), for other services; empty with HS256, whose secret is never published. Public and
 * cacheable: a rotated key stays listed until its tokens have expired, and a verifier that meets
 * an unknown `kid` fetches again.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { JwkSetView } from "../../contract/index.js";
import type { SigningKeys } from "../../services/keys/signing-keys.js";
import type { RouteOptions } from "./route-options.js";

export const jwksRoutes: FastifyPluginAsyncTypebox<
  RouteOptions & { signingKeys: SigningKeys }
> = async (app, options) => {
  app.get(
    "/.well-known/jwks.json",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["tokens"],
        summary: "The public keys that verify Tessera's tokens (JWKS)",
        response: { 200: JwkSetView },
      },
    },
    async (_request, reply) => {
      void reply.header(
        "cache-control",
        `public, max-age=${options.signingKeys.jwksMaxAgeSeconds}`,
      );
      return options.signingKeys.jwks();
    },
  );
};
