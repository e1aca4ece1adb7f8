/**
 * The provider of one instance: made from the settings, the store's adapter, the client
 * registry and the signing keys, and made again when the keys change (a rotation on any
 * instance reaches this one within the keys' refresh, as for session tokens). Every instance
 * shares every artefact through the database (and Redis for the short-lived ones).
 */
import { createHmac } from "node:crypto";
import type Provider from "oidc-provider";
import { HOUR_MS, type Clock } from "../../core/clock.js";
import { createOidcAdapter, sweepOidcArtefacts, sweepRefreshGrace } from "../../store/index.js";
import type { RedisCommands } from "../../store/redis/types.js";
import type { OidcLimits } from "../abuse/rate-limit/index.js";
import type { ServiceContext } from "../context.js";
import type { OidcSigningKeys } from "../keys/oidc-keys.js";
import { SIGNING_KEY_REFRESH_MS } from "../keys/signing-keys.js";
import type { SessionEvent } from "../session-cache.js";
import { endProviderSessionsAfter } from "./session-end.js";
import { installOidcAudit } from "./audit-events.js";
import { findOidcClientMetadata, isOperatorClientUrl, oidcClientSecretMatches } from "./clients.js";
import { installOidcLimits } from "./limits.js";
import { oidcProviderPages } from "./pages.js";
import { createOidcProvider } from "./provider.js";
import { installRefreshGrace } from "./refresh-grace.js";
import { oidcClientRegistrar } from "./registration.js";

/** What the provider of an instance is made from. */
export interface OidcRuntimeOptions {
  readonly issuer: string;
  readonly appName: string;
  /** The stylesheet the provider's own pages link (a path on this server), if any. */
  readonly stylesheet?: string | undefined;
  readonly behindProxy: boolean;
  readonly accessTokenMinutes: number;
  readonly refreshTokenDays: number;
  /** `TESSERA_OIDC_REFRESH_GRACE_SECONDS` (0: none). */
  readonly refreshGraceSeconds: number;
  readonly sessionHours: number;
  readonly registration: "off" | "token" | "open";
  readonly registrationToken: string | null;
  /** The key that seals private keys: the provider's cookie keys are derived from it. */
  readonly keyEncryptionKey: Buffer;
  readonly keys: OidcSigningKeys;
  readonly redis?: RedisCommands | undefined;
  /** The abuse limits (token endpoint per client, device user codes, registrations). */
  readonly limits: OidcLimits;
  /**
   * Told of a failure of background work (a sweep, a back-channel logout, an audit write) and
   * of the provider's server errors.
   */
  readonly onError?: (error: unknown) => void;
}

/** The running provider of an instance. */
export interface OidcRuntime {
  /** The provider now (a new one after the keys changed). */
  current(): Provider;
  /** Makes the provider again if the keys changed since (after `keys.refresh()`). */
  refresh(): Promise<void>;
  /** Deletes expired artefacts; how many. */
  sweep(): Promise<number>;
  /**
   * A session change on this instance (the service context's `sessionsChanged`): ends the
   * provider sessions it ended, after the answer. Never throws.
   */
  sessionsChanged(event: SessionEvent): void;
  /** Waits for the work `sessionsChanged` started (tests, shutdown). */
  settled(): Promise<void>;
  /** Stops the timers and waits for that work. */
  close(): Promise<void>;
}

/** How often the expired artefacts are deleted. */
export const OIDC_SWEEP_INTERVAL_MS = HOUR_MS;

/** The provider's cookie-signing key, derived from the key-encryption key. */
export function oidcCookieKey(keyEncryptionKey: Buffer): string {
  return createHmac("sha256", keyEncryptionKey)
    .update("tessera oidc cookie signing")
    .digest("base64url");
}

/** Starts the provider of this instance. */
export async function startOidcRuntime(
  ctx: ServiceContext,
  options: OidcRuntimeOptions,
  clock: Clock = ctx.clock,
): Promise<OidcRuntime> {
  const adapter = createOidcAdapter(ctx.db, clock, {
    ...(options.redis === undefined ? {} : { redis: options.redis }),
  });
  const pages = oidcProviderPages({
    appName: options.appName,
    stylesheet: options.stylesheet,
    defaultLocale: ctx.settings.defaultLocale,
  });
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const settled = work.catch((error: unknown) => {
      options.onError?.(error);
    });
    pending.add(settled);
    void settled.finally(() => pending.delete(settled));
  };
  const registerClient = oidcClientRegistrar(ctx, options.limits);
  // Every provider made (again after a key change) gets the limits and the audit listeners.
  const make = async () => {
    const provider = await createOidcProvider(ctx, {
      issuer: options.issuer,
      adapter,
      findClient: (clientId) => findOidcClientMetadata(ctx.db, clientId),
      registerClient,
      clientSecretMatches: oidcClientSecretMatches,
      trustedOutbound: (url) => isOperatorClientUrl(ctx.db, url),
      jwks: { keys: options.keys.privateJwks() },
      cookieKeys: [oidcCookieKey(options.keyEncryptionKey)],
      behindProxy: options.behindProxy,
      accessTokenMinutes: options.accessTokenMinutes,
      refreshTokenDays: options.refreshTokenDays,
      sessionHours: options.sessionHours,
      registration: options.registration,
      registrationToken: options.registrationToken,
      pages,
    });
    await installRefreshGrace(ctx, provider, options.refreshGraceSeconds);
    await installOidcLimits(provider, options.limits);
    await installOidcAudit(ctx, provider, {
      track,
      limits: options.limits,
      onError: (error) => options.onError?.(error),
    });
    return provider;
  };
  let provider = await make();
  let version = options.keys.version();
  const runtime: OidcRuntime = {
    current: () => provider,
    refresh: async () => {
      if (options.keys.version() === version) return;
      version = options.keys.version();
      provider = await make();
    },
    sweep: async () =>
      (await sweepOidcArtefacts(ctx.db, clock())) + (await sweepRefreshGrace(ctx.db, clock())),
    sessionsChanged: (event) => {
      if (event.kind === "all") return;
      track(endProviderSessionsAfter(ctx, provider, event));
    },
    settled: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: async () => {
      clearInterval(refresher);
      clearInterval(sweeper);
      await runtime.settled();
    },
  };
  // The keys are reloaded by the composition root every minute; the provider follows them.
  const refresher = setInterval(() => track(runtime.refresh()), SIGNING_KEY_REFRESH_MS);
  refresher.unref();
  const sweeper = setInterval(() => track(runtime.sweep()), OIDC_SWEEP_INTERVAL_MS);
  sweeper.unref();
  return runtime;
}
