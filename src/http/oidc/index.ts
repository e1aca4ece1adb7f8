/**
 * The OpenID Connect provider's HTTP side (issue 21): its endpoints handed to oidc-provider
 * (`provider-routes.ts`) and Tessera's interaction routes (`interaction-routes.ts`). The
 * standalone server registers it when `TESSERA_OIDC` is on.
 */
import type { FastifyPluginAsync } from "fastify";
import type { ServiceContext } from "../../services/context.js";
import type { OidcRuntime } from "../../services/oidc/running.js";
import { interactionRoutes } from "./interaction-routes.js";
import { providerRoutes } from "./provider-routes.js";

export interface OidcRoutesOptions {
  readonly ctx: ServiceContext;
  readonly oidc: OidcRuntime;
  readonly allowedOrigins: readonly string[];
  /** The session cookie's `Secure` flag. */
  readonly secureCookie: boolean;
}

export const oidcRoutes: FastifyPluginAsync<OidcRoutesOptions> = async (app, options) => {
  await app.register(providerRoutes, {
    ctx: options.ctx,
    oidc: options.oidc,
    secureCookie: options.secureCookie,
  });
  await app.register(interactionRoutes, options);
};
