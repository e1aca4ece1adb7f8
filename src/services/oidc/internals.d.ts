/**
 * oidc-provider's own refresh-token grant, which `refresh-grace.ts` wraps (the package has no
 * `exports` map, so the file is reachable; its version is pinned in package.json).
 */
declare module "oidc-provider/lib/actions/grants/refresh_token.js" {
  import type { KoaContextWithOIDC } from "oidc-provider";
  export const handler: (ctx: KoaContextWithOIDC) => Promise<void>;
  export const parameters: Set<string>;
}
