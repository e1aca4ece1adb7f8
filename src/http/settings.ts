/**
 * The settings the HTTP layer reads besides the services': a subset of `TesseraConfig`, complete
 * (every default is applied where the configuration is resolved, `src/config/`). The plugin,
 * `buildApp` and the routes read them from `Tessera.settings`; the HTTP layer never imports the
 * configuration itself.
 */
import type { ServiceSettings } from "../services/context.js";

/** The settings the HTTP layer reads besides the services' (a subset of `TesseraConfig`). */
export interface HttpSettings extends ServiceSettings {
  /** The URL people reach the server at, without a trailing slash. */
  readonly publicUrl: string;
  /**
   * true when no public URL was given and `publicUrl` is the standalone server's default
   * (`http://localhost:` + its port): the plugin then warns when its host listens elsewhere.
   */
  readonly publicUrlIsDefault: boolean;
  /** Origins whose cookie-authenticated writes and logins are accepted (CSRF). */
  readonly allowedOrigins: readonly string[];
  /** `Secure` on the session cookie (all but plain-http loopback). */
  readonly secureCookie: boolean;
  /** Larger request bodies get 413. */
  readonly maxBodyBytes: number;
  /** Proxies whose `X-Forwarded-For` is believed (Fastify `trustProxy`). */
  readonly trustedProxies: readonly string[];
  /** Pino level of the standalone server's log. */
  readonly logLevel: string;
  /** `GET /metrics`: served when enabled, to the `allow` addresses or the bearer `token`. */
  readonly metrics: {
    readonly enabled: boolean;
    readonly allow: readonly string[];
    readonly token: string | null;
  };
  /** Issue 14 item 5, slow clients: the whole request, body included, must arrive in time. */
  readonly requestTimeoutSeconds: number;
  /** The request's headers must arrive in time. */
  readonly headersTimeoutSeconds: number;
  /** Open connections at once; more are closed at accept. */
  readonly maxConnections: number;
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveTimeoutSeconds: number;
  /** Requests on one keep-alive connection (0: no limit). */
  readonly maxRequestsPerSocket: number;
  /** Lifetime of `POST /token/access` tokens (`TESSERA_ACCESS_TOKEN_MINUTES`). */
  readonly accessTokenMinutes: number;
  /** The `aud` of access tokens; null: none. */
  readonly tokenAudience: string | null;
  /** Bearer credential of `POST /token/introspect`; null: the route answers 404. */
  readonly introspectionSecret: string | null;
}
