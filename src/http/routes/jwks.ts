/**
 * `GET /.well-known/jwks.json`: one JWKS for everything (issue 21). It lists the public keys
 * that still verify live tokens: the OpenID provider's RS256 keys (ID tokens) always, and the
 * session keys when sessions are EdDSA or ES256 (the provider may sign ID tokens with those
 * too). With HS256 sessions only the RS256 keys are listed: the HS256 secret is never
 * published, and the answer's schema writes public members only. Public and cacheable: a
 * rotated key stays listed until its tokens have expired, and a verifier that meets an unknown
 * `kid` fetches again.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { JwkSetView } from "../../contract/index.js";
import { publishedJwks, type OidcSigningKeys } from "../../services/keys/oidc-keys.js";
import type { SigningKeys } from "../../services/keys/signing-keys.js";
import type { RouteOptions } from "./route-options.js";

export const jwksRoutes: FastifyPluginAsyncTypebox<
  RouteOptions & { signingKeys: SigningKeys; oidcKeys: OidcSigningKeys }
> = async (app, options) => {
  app.get(
    "/.well-known/jwks.json",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["tokens"],
        summary: "The public keys that verify Tessera's tokens and ID tokens (JWKS)",
        response: { 200: JwkSetView },
      },
    },
    async (_request, reply) => {
      void reply.header(
        "cache-control",
        `public, max-age=${options.signingKeys.jwksMaxAgeSeconds}`,
      );
      return publishedJwks(options.signingKeys, options.oidcKeys);
    },
  );
};
