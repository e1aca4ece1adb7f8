/**
 * Loads oidc-provider on first use (a server with the provider off, or a host app that only
 * embeds the plugin, never loads it or Koa).
 *
 * oidc-provider 9 warns "Unsupported runtime" on Node.js 20 because it is not an LTS it lists
 * (it names 22 and later). Tessera supports Node.js 20 (package.json `engines`) and its whole
 * suite, the provider's tests with openid-client included, runs on Node.js 20, so that one
 * line is not printed; every other warning of the module is.
 */
import type * as OidcProvider from "oidc-provider";

type OidcProviderModule = typeof OidcProvider;

let loading: Promise<OidcProviderModule> | undefined;

/** The oidc-provider module. */
export function loadOidcProvider(): Promise<OidcProviderModule> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === "string" && args[0].includes("Unsupported runtime")) return;
      warn(...args);
    };
    try {
      return await import("oidc-provider");
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}
