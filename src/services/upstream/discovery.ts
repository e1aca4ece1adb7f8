/**
 * The upstream's side of the flow, with panva's openid-client: discovery at first use, kept
 * per provider and retried with a growing pause while the upstream does not answer (a
 * provider that is down never stops a start, and its button says it is unavailable), the
 * authorization URL, and the checks of the callback: `state`, RFC 9207 `iss`, PKCE, and the
 * ID token's signature (`enableNonRepudiationChecks`: verified against the upstream's JWKS
 * even though it came straight from the token endpoint), `alg`, `iss`, `aud`, `exp`, `iat`
 * and `nonce`. GitHub speaks OAuth 2.0 only: its identity comes from its API (`github.ts`).
 */
import { performance } from "node:perf_hooks";
import * as oidc from "openid-client";
import { InternalError } from "../../core/errors.js";
import { UPSTREAM_REQUEST_TIMEOUT_SECONDS, UpstreamResponseError } from "./errors.js";
import { fetchGithubIdentity } from "./github.js";
import { isLoopbackIssuer } from "./providers.js";
import type {
  AuthorizationParameters,
  UpstreamClients,
  UpstreamIdentity,
  UpstreamProvider,
} from "./types.js";

/** Tolerated clock difference with an upstream for `iat` (openid-client's default for `exp`). */
export const ID_TOKEN_CLOCK_TOLERANCE_SECONDS = 30;
/** The pause after a failed discovery doubles from this… */
const FIRST_RETRY_MS = 1_000;
/** …up to this. */
const LONGEST_RETRY_MS = 60_000;

interface Entry {
  /** What the configuration was made from: a changed provider is discovered again. */
  readonly fingerprint: string;
  config?: Promise<oidc.Configuration>;
  failures: number;
  retryAtMs: number;
}

function fingerprintOf(provider: UpstreamProvider): string {
  return JSON.stringify([provider.kind, provider.issuer, provider.clientId, provider.clientSecret]);
}

/** The client authentication the upstream supports: Basic when listed or unsaid (RFC 8414 §2). */
function clientAuthOf(metadata: oidc.ServerMetadata, secret: string): oidc.ClientAuth {
  const methods = metadata.token_endpoint_auth_methods_supported;
  return methods === undefined || methods.includes("client_secret_basic")
    ? oidc.ClientSecretBasic(secret)
    : oidc.ClientSecretPost(secret);
}

async function configure(provider: UpstreamProvider): Promise<oidc.Configuration> {
  const insecure = isLoopbackIssuer(provider.issuer) ? [oidc.allowInsecureRequests] : [];
  let config: oidc.Configuration;
  if (provider.kind === "github") {
    const base = provider.issuer.replace(/\/$/, "");
    config = new oidc.Configuration(
      {
        issuer: base,
        authorization_endpoint: `${base}/login/oauth/authorize`,
        token_endpoint: `${base}/login/oauth/access_token`,
      },
      provider.clientId,
      provider.clientSecret,
      oidc.ClientSecretPost(provider.clientSecret),
    );
    for (const step of insecure) step(config);
  } else {
    const discovered = await oidc.discovery(
      new URL(provider.issuer),
      provider.clientId,
      provider.clientSecret,
      undefined,
      { execute: insecure, timeout: UPSTREAM_REQUEST_TIMEOUT_SECONDS },
    );
    const metadata = discovered.serverMetadata();
    config = new oidc.Configuration(
      metadata,
      provider.clientId,
      provider.clientSecret,
      clientAuthOf(metadata, provider.clientSecret),
    );
    for (const step of insecure) step(config);
    // The ID token's signature is checked against the JWKS too (OpenID Connect Core §3.1.3.7
    // allows skipping it over TLS; a test upstream or a proxy in between is not trusted so).
    oidc.enableNonRepudiationChecks(config);
  }
  config.timeout = UPSTREAM_REQUEST_TIMEOUT_SECONDS;
  return config;
}

/**
 * openid-client's error as an audit reason: its stable code and the check that failed (the
 * library's message names the claim or parameter, never its value or a token).
 */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return "unknown";
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? error.cause.message : error.message;
  return `${typeof code === "string" ? code : error.name}: ${cause}`.slice(0, 200);
}

/** The clients of every provider, made at first use (`UpstreamDependencies.clients`). */
export function createUpstreamClients(): UpstreamClients {
  const entries = new Map<string, Entry>();

  const entryOf = (provider: UpstreamProvider): Entry => {
    const fingerprint = fingerprintOf(provider);
    let entry = entries.get(provider.id);
    if (entry === undefined || entry.fingerprint !== fingerprint) {
      entry = { fingerprint, failures: 0, retryAtMs: 0 };
      entries.set(provider.id, entry);
    }
    return entry;
  };

  const configOf = (provider: UpstreamProvider): Promise<oidc.Configuration> => {
    const entry = entryOf(provider);
    if (entry.config !== undefined) return entry.config;
    if (entry.failures > 0 && performance.now() < entry.retryAtMs) {
      return Promise.reject(unavailableError());
    }
    const pending = configure(provider).then(
      (config) => {
        entry.failures = 0;
        return config;
      },
      (error: unknown) => {
        entry.config = undefined;
        entry.failures += 1;
        entry.retryAtMs =
          performance.now() +
          Math.min(FIRST_RETRY_MS * 2 ** (entry.failures - 1), LONGEST_RETRY_MS);
        throw unavailableError(error);
      },
    );
    entry.config = pending;
    return pending;
  };

  return {
    unavailable(provider) {
      const entry = entries.get(provider.id);
      return (
        entry !== undefined && entry.fingerprint === fingerprintOf(provider) && entry.failures > 0
      );
    },
    warm(provider) {
      configOf(provider).catch(() => undefined);
    },
    async authorizationUrl(provider, request: AuthorizationParameters) {
      const config = await configOf(provider);
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: request.redirectUri,
        scope: provider.scopes.join(" "),
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: "S256",
        ...(provider.kind === "oidc" ? { nonce: request.nonce } : {}),
      });
    },
    async exchange(provider, callbackUrl, checks): Promise<UpstreamIdentity> {
      const config = await configOf(provider);
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(
          config,
          callbackUrl,
          provider.kind === "oidc"
            ? {
                pkceCodeVerifier: checks.codeVerifier,
                expectedState: checks.state,
                expectedNonce: checks.nonce,
                idTokenExpected: true,
              }
            : { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state },
          { redirect_uri: checks.redirectUri },
        );
      } catch (error) {
        throw new UpstreamResponseError(reasonOf(error), error);
      }
      if (provider.kind === "github") {
        return fetchGithubIdentity(provider, tokens.access_token);
      }
      const claims = tokens.claims();
      if (claims === undefined) throw new UpstreamResponseError("no_id_token");
      // openid-client checks `exp` and `nbf` but lets an `iat` in the future pass: refused here,
      // on the clock openid-client checks `exp` with (the system's), with its tolerance.
      if (claims.iat > Math.floor(Date.now() / 1000) + ID_TOKEN_CLOCK_TOLERANCE_SECONDS) {
        throw new UpstreamResponseError(
          'unexpected JWT "iat" (issued at) claim value, in the future',
        );
      }
      const identity = identityOf(claims);
      if (identity.email !== null) return identity;
      // A provider that conforms its ID tokens (oidc-provider's default, Okta's) leaves the
      // profile claims to userinfo: asked with the access token, its `sub` checked against the
      // ID token's (openid-client refuses another). The ID token's own claims win.
      const metadata = config.serverMetadata();
      if (metadata.userinfo_endpoint === undefined) return identity;
      let profile: oidc.UserInfoResponse;
      try {
        profile = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      } catch (error) {
        throw new UpstreamResponseError(reasonOf(error), error);
      }
      return withProfile(identity, profile);
    },
  };
}

/** The identity with the userinfo answer's profile where the ID token had none. */
export function withProfile(
  identity: UpstreamIdentity,
  profile: Readonly<Record<string, unknown>>,
): UpstreamIdentity {
  const email = stringClaim(profile.email);
  return {
    ...identity,
    email,
    // Only a literal true counts, as in the ID token.
    emailVerified: email !== null && profile.email_verified === true,
    name: identity.name ?? stringClaim(profile.name),
    preferredUsername: identity.preferredUsername ?? stringClaim(profile.preferred_username),
  };
}

function unavailableError(cause?: unknown): InternalError {
  return new InternalError("The sign-in provider does not answer now: try again later", {
    code: "service_unavailable",
    cause,
  });
}

function stringClaim(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** The identity an ID token's claims give (openid-client checked them). */
export function identityOf(claims: oidc.IDToken): UpstreamIdentity {
  const amr = Array.isArray(claims.amr)
    ? claims.amr.filter((method): method is string => typeof method === "string")
    : [];
  return {
    subject: claims.sub,
    email: stringClaim(claims.email),
    // Only a literal true counts (Better Auth's advisory: "true" or 1 are not a verification).
    emailVerified: claims.email_verified === true,
    name: stringClaim(claims.name),
    preferredUsername: stringClaim(claims.preferred_username),
    amr,
    acr: stringClaim(claims.acr),
  };
}
