/** What the upstream-provider flows share: the provider as opened, its policies, its limits. */
import type { ChallengeStore } from "../../store/challenges/index.js";

/** How a provider is spoken to: OpenID Connect by discovery, or GitHub's OAuth 2.0 and API. */
export type UpstreamKind = "oidc" | "github";
export const UPSTREAM_KINDS: readonly UpstreamKind[] = ["oidc", "github"];

/**
 * What a first sign-in with an unknown identity does when a local account has the same address
 * (issue 22 item 3): `verified-email` links only when both sides verified it, else asks;
 * `sign-in-first` always asks the person to sign in to that account first; `never` never links.
 */
export type LinkPolicy = "verified-email" | "sign-in-first" | "never";
export const LINK_POLICIES: readonly LinkPolicy[] = ["verified-email", "sign-in-first", "never"];
export const DEFAULT_LINK_POLICY: LinkPolicy = "verified-email";

/** A provider with its secret opened, as the flows use it. */
export interface UpstreamProvider {
  readonly id: string;
  readonly name: string;
  readonly kind: UpstreamKind;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
  readonly linkPolicy: LinkPolicy;
  readonly createAccounts: boolean;
  readonly trustUpstreamMfa: boolean;
  readonly createdAt: Date;
}

/** A provider as an operator or a page sees it (never the secret). */
export interface UpstreamProviderInfo {
  readonly id: string;
  readonly name: string;
  readonly kind: UpstreamKind;
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly linkPolicy: LinkPolicy;
  readonly createAccounts: boolean;
  readonly trustUpstreamMfa: boolean;
  readonly createdAt: Date;
  /** The redirect URI to register upstream. */
  readonly callbackUrl: string;
}

/** Who the upstream says the person is, once every check passed. */
export interface UpstreamIdentity {
  /** The upstream's `sub` (GitHub: its numeric user id): with the provider, the identity. */
  readonly subject: string;
  readonly email: string | null;
  /** Only `true` when the upstream said exactly `email_verified: true`. */
  readonly emailVerified: boolean;
  readonly name: string | null;
  readonly preferredUsername: string | null;
  /** The upstream's `amr` (RFC 8176) values, and its `acr`. */
  readonly amr: readonly string[];
  readonly acr: string | null;
}

/** What the upstream flows need besides the services context (made by `createTessera`). */
export interface UpstreamDependencies {
  /** The providers, re-read on a short interval (`providers.ts`). */
  readonly registry: UpstreamRegistry;
  /** Discovery and the token exchange (`discovery.ts`). */
  readonly clients: UpstreamClients;
  /** Single use of a flow's `state` and of a pending sign-in (the passkeys' store). */
  readonly challenges: ChallengeStore;
  /** Seals the client secrets at rest and the flow cookies. */
  readonly keyEncryptionKey: Buffer;
  /** Keys that may have sealed a stored secret before a rotation of the secret they come from. */
  readonly previousKeyEncryptionKeys: readonly Buffer[];
  /** The public URL, without a trailing slash: the callback URLs start with it. */
  readonly publicUrl: string;
}

/** The providers as this instance knows them. */
export interface UpstreamRegistry {
  /** Every provider (re-read when older than `UPSTREAM_PROVIDERS_REFRESH_MS`). */
  list(): Promise<readonly UpstreamProvider[]>;
  /** One provider read from the database now (a removed one is gone at once), or undefined. */
  fresh(id: string): Promise<UpstreamProvider | undefined>;
  /** Forget what was read (after a write on this instance). */
  invalidate(): void;
}

/** The upstream's side of the flow, per provider. */
export interface UpstreamClients {
  /** Whether the provider's discovery is known to fail now (its button says unavailable). */
  unavailable(provider: UpstreamProvider): boolean;
  /** Starts discovery in the background when not done yet (the sign-in page's listing). */
  warm(provider: UpstreamProvider): void;
  /** The authorization URL; @throws InternalError `service_unavailable` when the upstream is down. */
  authorizationUrl(provider: UpstreamProvider, request: AuthorizationParameters): Promise<URL>;
  /** Checks the authorization response and exchanges the code; the identity. */
  exchange(
    provider: UpstreamProvider,
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string; redirectUri: string },
  ): Promise<UpstreamIdentity>;
}

/** The parameters of one authorization request. */
export interface AuthorizationParameters {
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeChallenge: string;
}

/** How long a flow may take between the redirect upstream and the callback. */
export const UPSTREAM_FLOW_TTL_MS = 10 * 60_000;
/** How long a sign-in waits for its second factor or the confirmation of a link. */
export const UPSTREAM_PENDING_TTL_MS = 10 * 60_000;
/** How often an instance re-reads the providers (a change made elsewhere is seen within it). */
export const UPSTREAM_PROVIDERS_REFRESH_MS = 5_000;
/** Longest provider id: a path segment of the callback URL. */
export const MAX_PROVIDER_ID_LENGTH = 64;
export const PROVIDER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
