/**
 * Tessera's OpenID Connect provider (issue 21): panva's oidc-provider (certified), configured
 * for Tessera's users, sessions, keys and store. The HTTP layer mounts it (`src/http/oidc/`)
 * and hands it raw requests; the person signs in on Tessera's own pages (the interactions).
 *
 * - Issuer: `TESSERA_PUBLIC_URL`; every endpoint under `/oidc/`, discovery at
 *   `/.well-known/openid-configuration`.
 * - Flows: authorization code with PKCE (S256 only, required of every client), refresh tokens
 *   (rotated on every use), client credentials with resource indicators (RFC 8707), the device
 *   authorization grant (RFC 8628). No implicit flow, no password grant.
 * - Endpoints: userinfo, revocation (RFC 7009), introspection (RFC 7662) of the tokens it
 *   issued, RP-initiated logout, back-channel logout, dynamic registration when configured.
 * - ID tokens: RS256 by default (OpenID Connect Core §15.1); ES256 and EdDSA on request.
 */
import type Provider from "oidc-provider";
import type {
  Adapter,
  AdapterConstructor,
  AdapterPayload,
  ClientMetadata,
  Configuration,
  KoaContextWithOIDC,
  interactionPolicy as Policy,
  UnknownObject,
} from "oidc-provider";
import type { JSONWebKeySet } from "jose";
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from "../../core/clock.js";
import type { ServiceContext } from "../context.js";
import { findOidcAccount, oidcExtraTokenClaims, OIDC_CLAIMS, OIDC_SCOPES } from "./accounts.js";
import { FIRST_PARTY } from "./client-metadata.js";
import { DYNAMICALLY_REGISTERED } from "./clients.js";
import { newOidcClientId, newOidcClientSecret } from "./clients.js";
import { loadTesseraGrant } from "./interactions.js";
import { loadOidcProvider } from "./load.js";
import { patchProviderModels } from "./patches.js";
import { tesseraInteractionPolicy } from "./policy.js";
import { ACR_PASSWORD, ACR_SECOND_FACTOR } from "./request-session.js";

/** Where the provider's endpoints are (relative to the issuer). */
export const OIDC_ROUTES = Object.freeze({
  authorization: "/oidc/auth",
  token: "/oidc/token",
  userinfo: "/oidc/userinfo",
  jwks: "/oidc/jwks",
  end_session: "/oidc/logout",
  revocation: "/oidc/token/revocation",
  introspection: "/oidc/token/introspection",
  device_authorization: "/oidc/device/auth",
  code_verification: "/oidc/device",
  registration: "/oidc/reg",
  pushed_authorization_request: "/oidc/par",
  backchannel_authentication: "/oidc/backchannel",
  challenge: "/oidc/challenge",
  credential: "/oidc/credential",
});

/** The path of an interaction (Tessera's route, not the provider's). */
export function interactionPath(uid: string): string {
  return `/oidc/interaction/${uid}`;
}

/** An authorization code lives this long (RFC 6749 §4.1.2 recommends at most 10 minutes). */
const AUTHORIZATION_CODE_MS = MINUTE_MS;
/** A device code, and the interaction that approves it, live this long (RFC 8628 §3.2). */
const DEVICE_CODE_MS = 10 * MINUTE_MS;
/** An interaction (the person signing in and consenting) may take this long. */
const INTERACTION_MS = HOUR_MS;
/** An ID token is valid this long. */
const ID_TOKEN_MS = HOUR_MS;

/** What the provider needs besides the service context. */
export interface OidcProviderOptions {
  /** `TESSERA_PUBLIC_URL`, no trailing slash. */
  readonly issuer: string;
  /** The store's adapter (oidc-provider's storage interface), per model. */
  readonly adapter: AdapterConstructor;
  /** The registered client, or undefined; its `client_secret` is the secret's digest. */
  readonly findClient: (clientId: string) => Promise<ClientMetadata | undefined>;
  /** Whether an outgoing call may reach a private or loopback address (an operator's client). */
  readonly trustedOutbound: (url: string) => Promise<boolean>;
  /**
   * Adds a client registered dynamically (RFC 7591) to the registry; its `client_secret` is
   * the secret in clear, which the registry digests. Throws the provider's error to answer.
   */
  readonly registerClient: (clientId: string, metadata: ClientMetadata) => Promise<void>;
  /** Whether a stored secret digest matches a presented secret (constant time). */
  readonly clientSecretMatches: (storedDigest: string, presented: string) => boolean;
  /** The signing keys, private, the one that signs ID tokens first. */
  readonly jwks: JSONWebKeySet;
  /** Keys that sign the provider's cookies (newest first). */
  readonly cookieKeys: readonly string[];
  /** Behind a proxy: trust its `X-Forwarded-For` (the server's `trustProxy`). */
  readonly behindProxy: boolean;
  readonly accessTokenMinutes: number;
  readonly refreshTokenDays: number;
  /** The Tessera session's absolute lifetime: the provider's session lives as long. */
  readonly sessionHours: number;
  readonly registration: "off" | "token" | "open";
  readonly registrationToken: string | null;
  /** The HTML pages the provider renders itself (device code entry, logout). */
  readonly pages: OidcProviderPages;
}

/** The pages oidc-provider renders (its `*Source` helpers), as Tessera's HTML. */
export interface OidcProviderPages {
  deviceCodeInput(ctx: KoaContextWithOIDC, form: string, out?: ErrorOut, err?: unknown): void;
  deviceCodeConfirm(
    ctx: KoaContextWithOIDC,
    form: string,
    client: { clientId: string; clientName?: string | undefined },
    deviceInfo: UnknownObject,
    userCode: string,
  ): void;
  deviceSuccess(ctx: KoaContextWithOIDC): void;
  logoutConfirm(ctx: KoaContextWithOIDC, form: string): void;
  logoutSuccess(ctx: KoaContextWithOIDC): void;
  error(ctx: KoaContextWithOIDC, out: ErrorOut, error: unknown): void;
}

/** An error as the provider describes it to a page. */
export interface ErrorOut {
  error: string;
  error_description?: string | undefined;
}

/** The provider's configuration. */
export function oidcConfiguration(
  ctx: ServiceContext,
  options: OidcProviderOptions,
  interactionPolicy: typeof Policy,
): Configuration {
  const seconds = (ms: number) => Math.floor(ms / SECOND_MS);
  const secure = options.issuer.startsWith("https:");
  const cookie = { httpOnly: true, sameSite: "lax" as const, secure, signed: true };
  return {
    adapter: withClients(options.adapter, options.findClient, options.registerClient),
    findAccount: (kctx, id) => findOidcAccount(ctx, kctx, id),
    // Issue 23: the `roles` scope puts `roles` and `permissions` in JWT access tokens too.
    extraTokenClaims: (_kctx, token) => oidcExtraTokenClaims(ctx, token),
    jwks: options.jwks,
    claims: OIDC_CLAIMS,
    scopes: [...OIDC_SCOPES],
    acrValues: [ACR_PASSWORD, ACR_SECOND_FACTOR],
    subjectTypes: ["public"],
    responseTypes: ["code"],
    // Scope claims go in the ID token too (issue 21 item 3), not only through userinfo.
    conformIdTokenClaims: false,
    // PKCE for every client, S256 only (oidc-provider 9 has no `plain`).
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientAuthMethods: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    enabledJWA: {
      idTokenSigningAlgValues: ["RS256", "ES256", "EdDSA"],
      userinfoSigningAlgValues: ["RS256", "ES256", "EdDSA"],
      introspectionSigningAlgValues: ["RS256", "ES256", "EdDSA"],
      authorizationSigningAlgValues: ["RS256", "ES256", "EdDSA"],
      requestObjectSigningAlgValues: ["RS256", "ES256", "EdDSA"],
    },
    extraClientMetadata: { properties: [FIRST_PARTY, DYNAMICALLY_REGISTERED] },
    clientDefaults: {
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
    },
    cookies: {
      keys: [...options.cookieKeys],
      names: {
        session: "tessera_oidc_session",
        interaction: "tessera_oidc_interaction",
        resume: "tessera_oidc_resume",
      },
      long: cookie,
      short: cookie,
    },
    routes: { ...OIDC_ROUTES },
    // Consent remembered per person and client (issue 21 item 4), not per provider session.
    loadExistingGrant: (kctx) => loadTesseraGrant(ctx, kctx),
    interactions: {
      url: (_kctx, interaction) => interactionPath(interaction.uid),
      policy: tesseraInteractionPolicy(interactionPolicy),
    },
    // A refresh token whenever the client may refresh; without `offline_access` it dies with
    // the session (oidc-provider's `expiresWithSession` default), with it it outlives it.
    issueRefreshToken: (_kctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: seconds(options.accessTokenMinutes * MINUTE_MS),
      ClientCredentials: seconds(options.accessTokenMinutes * MINUTE_MS),
      AuthorizationCode: seconds(AUTHORIZATION_CODE_MS),
      DeviceCode: seconds(DEVICE_CODE_MS),
      IdToken: seconds(ID_TOKEN_MS),
      Interaction: seconds(INTERACTION_MS),
      RefreshToken: seconds(options.refreshTokenDays * DAY_MS),
      Grant: seconds(options.refreshTokenDays * DAY_MS),
      Session: seconds(options.sessionHours * HOUR_MS),
    },
    clientBasedCORS: (_kctx, origin, client) => allowedOrigins(client.metadata()).has(origin),
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // A client reads only its own tokens (RFC 7662 §4 leaves who may ask to the server;
        // oidc-provider's default lets any confidential client read any token it holds).
        allowedPolicy: (_kctx, client, token) => token.clientId === client.clientId,
      },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (kctx, form) => options.pages.logoutConfirm(kctx, form),
        postLogoutSuccessSource: async (kctx) => options.pages.logoutSuccess(kctx),
      },
      deviceFlow: {
        enabled: true,
        charset: "base-20",
        mask: "****-****",
        userCodeInputSource: async (kctx, form, out, err) =>
          options.pages.deviceCodeInput(kctx, form, out, err),
        userCodeConfirmSource: async (kctx, form, client, deviceInfo, userCode) =>
          options.pages.deviceCodeConfirm(kctx, form, client, deviceInfo, userCode),
        successSource: async (kctx) => options.pages.deviceSuccess(kctx),
      },
      resourceIndicators: {
        enabled: true,
        // A token for an API names it with `resource`; without one the token is for userinfo.
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_kctx, resourceIndicator) => ({
          scope: OIDC_SCOPES.join(" "),
          audience: resourceIndicator,
          accessTokenFormat: "jwt",
          accessTokenTTL: seconds(options.accessTokenMinutes * MINUTE_MS),
          jwt: { sign: { alg: "RS256" } },
        }),
      },
      registration:
        options.registration === "off"
          ? { enabled: false }
          : {
              enabled: true,
              initialAccessToken:
                options.registration === "token" ? (options.registrationToken ?? true) : false,
              // Ids and secrets as `tessera clients add` makes them (registration.ts).
              idFactory: () => newOidcClientId(),
              secretFactory: async () => newOidcClientSecret(),
              // No RFC 7592 management: a client cannot read, change or delete itself.
              issueRegistrationAccessToken: false,
            },
    },
    renderError: async (kctx, out, error) => options.pages.error(kctx, out, error),
    // Outgoing calls (back-channel logout, a client's jwks_uri): oidc-provider refuses private
    // and loopback addresses (SSRF); an operator-registered client's own URIs may be there.
    fetch: async (url, init) => {
      const target = url instanceof URL ? url.href : String(url);
      if (await options.trustedOutbound(target)) {
        const { dispatcher: _ssrfGuard, ...rest } = init as RequestInit & { dispatcher?: unknown };
        return globalThis.fetch(url, rest);
      }
      return globalThis.fetch(url, init);
    },
  };
}

/** The origins of a client's redirect URIs: the only ones CORS lets read its answers. */
export function allowedOrigins(metadata: ClientMetadata): Set<string> {
  const origins = new Set<string>();
  for (const uri of metadata.redirect_uris ?? []) {
    try {
      const { origin } = new URL(uri);
      if (origin !== "null") origins.add(origin);
    } catch {
      // A redirect URI was checked when the client was registered.
    }
  }
  return origins;
}

/**
 * The store's adapter, except that clients come from Tessera's client registry
 * (`oidc_clients`, `tessera clients add`), not from the artefacts, and a client the provider
 * stores (dynamic registration) goes there too.
 */
function withClients(
  Base: AdapterConstructor,
  findClient: OidcProviderOptions["findClient"],
  registerClient: OidcProviderOptions["registerClient"],
): AdapterConstructor {
  return class TesseraAdapter implements Adapter {
    readonly #inner: Adapter;
    readonly #clients: boolean;
    constructor(name: string) {
      this.#inner = new Base(name);
      this.#clients = name === "Client";
    }
    upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      if (this.#clients) return registerClient(id, payload as ClientMetadata);
      return this.#inner.upsert(id, payload, expiresIn);
    }
    async find(id: string) {
      if (this.#clients) return (await findClient(id)) as AdapterPayload | undefined;
      return this.#inner.find(id);
    }
    findByUserCode(userCode: string) {
      return this.#inner.findByUserCode(userCode);
    }
    findByUid(uid: string) {
      return this.#inner.findByUid(uid);
    }
    consume(id: string) {
      return this.#inner.consume(id);
    }
    destroy(id: string) {
      return this.#inner.destroy(id);
    }
    revokeByGrantId(grantId: string) {
      return this.#inner.revokeByGrantId(grantId);
    }
  };
}

/**
 * Middleware first in the provider's chain: the request says it is for the issuer's host and
 * scheme, so every URL the provider writes (discovery's endpoints, redirects, the device flow's
 * `verification_uri`) is under `TESSERA_PUBLIC_URL`, whatever Host or X-Forwarded-* the
 * request carried. Otherwise an https issuer behind a TLS proxy listed http endpoints unless
 * `TESSERA_TRUSTED_PROXIES` was set, and with it a client's X-Forwarded-Host that a proxy passed
 * through named any host. X-Forwarded-For counts only behind a trusted proxy.
 */
export function pinnedToIssuer(
  issuer: URL,
  behindProxy: boolean,
): (
  kctx: { req: { headers: Record<string, unknown> } },
  next: () => Promise<unknown>,
) => Promise<void> {
  const scheme = issuer.protocol.slice(0, -1);
  return async (kctx, next) => {
    const { headers } = kctx.req;
    headers.host = issuer.host;
    headers["x-forwarded-host"] = issuer.host;
    headers["x-forwarded-proto"] = scheme;
    if (!behindProxy) delete headers["x-forwarded-for"];
    await next();
  };
}

/** Makes the provider. */
export async function createOidcProvider(
  ctx: ServiceContext,
  options: OidcProviderOptions,
): Promise<Provider> {
  const { Provider, interactionPolicy } = await loadOidcProvider();
  const provider = new Provider(options.issuer, oidcConfiguration(ctx, options, interactionPolicy));
  // Every URL the provider writes is the issuer's (below); Koa reads X-Forwarded-* only then.
  provider.proxy = true;
  provider.use(pinnedToIssuer(new URL(options.issuer), options.behindProxy));
  patchProviderModels(Provider, provider, options.clientSecretMatches);
  return provider;
}
