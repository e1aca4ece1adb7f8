/**
 * oidc-provider's own refresh-token grant and the helpers it is called with, which
 * `refresh-grace.ts` wraps exactly as the provider registers it (the package has no `exports`
 * map, so the files are reachable; its version is pinned in package.json, and
 * test/services/oidc/refresh-grace.test.ts fails when they change shape).
 */
declare module "oidc-provider/lib/actions/grants/refresh_token.js" {
  import type Provider from "oidc-provider";
  import type { KoaContextWithOIDC } from "oidc-provider";
  export const handler: (
    provider: Provider,
    helpers: Record<string, (...args: unknown[]) => unknown>,
    ctx: KoaContextWithOIDC,
  ) => Promise<void>;
  export const parameters: Set<string>;
}

/** Named exports, each `(provider, ...args)`. */
declare module "oidc-provider/lib/helpers/grants.js";
