/**
 * The running parts of one Tessera, as the HTTP layer consumes them: `createTessera`
 * (`src/runtime.ts`) makes them, the plugin and `buildApp` take them. Declared here, beside
 * their users, so the HTTP layer needs neither the composition root nor the configuration.
 */
import type { PasskeyDependencies, ServiceContext } from "../services/context.js";
import type { OidcSigningKeys } from "../services/keys/oidc-keys.js";
import type { SigningKeys } from "../services/keys/signing-keys.js";
import type { TesseraMetrics } from "../services/metrics.js";
import type { OidcRuntime } from "../services/oidc/running.js";
import type { UpstreamDependencies } from "../services/upstream/types.js";
import type { HttpSettings } from "./settings.js";

/**
 * The running parts of one Tessera (made by `createTessera`): what the Fastify plugin, the
 * standalone server, the CLI and the tests use. Nothing else opens a database or a Redis client.
 */
export interface Tessera {
  readonly settings: HttpSettings;
  /** The services context every flow takes. */
  readonly ctx: ServiceContext;
  /** Passkeys: the relying party and where challenges live. */
  readonly passkeys: PasskeyDependencies;
  /** The keys session tokens are signed with. */
  readonly signingKeys: SigningKeys;
  /**
   * The OpenID provider's signing keys (RS256, plus the session keys when EdDSA or ES256), as
   * private JWKs for its key set; with `signingKeys`, the JWKS other services verify with.
   */
  readonly oidcKeys: OidcSigningKeys;
  /** Prometheus metrics (served at `/metrics` when enabled). */
  readonly metrics?: TesseraMetrics;
  /**
   * The OpenID Connect provider (`TESSERA_OIDC`, issue 21); absent when off. Internal: the
   * standalone server mounts it (`buildApp`); it is not in the package's types, which would
   * otherwise pull in oidc-provider's and Koa's (`stripInternal` in tsconfig.build.json).
   * @internal
   */
  readonly oidc?: OidcRuntime;
  /** Sign-in through upstream providers (issue 22): the registry, the clients, the keys. */
  readonly upstream?: UpstreamDependencies;
  /** Resolves when the database answers; rejects when it does not. */
  ping(): Promise<void>;
  /**
   * Readiness (`/readyz`, issue 14 item 4): the database answers and is migrated, Redis answers
   * when configured. Never throws; each part says "ok" or what is wrong.
   */
  readiness(): Promise<Readiness>;
  /** Closes what `createTessera` opened (a database or Redis client passed in stays open). */
  close(): Promise<void>;
}

/** What `Tessera.readiness` found. */
export interface Readiness {
  readonly ready: boolean;
  readonly database: "ok" | "unreachable" | "not_migrated";
  readonly redis: "ok" | "unreachable" | "none";
}
