/**
 * The keys the OpenID provider (issue 21, oidc-provider's `jwks` option) signs ID tokens with:
 * the RS256 key OpenID Connect Core §15.1 requires, kept in the `signing_keys` table beside the
 * session keys (algorithm "RS256", made on first start, rotated with `rotateSigningKey(…,
 * "RS256")` or `tessera keys rotate RS256`), and, when sessions use EdDSA or ES256, those keys
 * too, so a client may ask for another algorithm with `id_token_signed_response_alg`. One key
 * ring for everything: `GET /.well-known/jwks.json` publishes all of them (publishedJwks).
 *
 * A rotated key stays in the set, and published, until the longest token it can have signed has
 * expired (TESSERA_JWT_VALIDITY_HOURS, as for the session keys; the provider's ID-token lifetime
 * must not be longer). The provider signs with the first key of an algorithm, so each
 * algorithm's signing key comes first; `version()` changes when the set changes, so the caller
 * knows when to rebuild the provider.
 */
import { createHash } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import { privateJwk, publicJwk, type JwkSet, type PrivateJwk } from "../../core/jwk.js";
import type { AsymmetricJwtKey } from "../../core/jwt/index.js";
import type { DatabaseHandle } from "../../store/index.js";
import {
  openStoredKeys,
  storedKeyAlgorithms,
  type OpenedKeys,
  type SigningKeySettings,
  type SigningKeys,
} from "./signing-keys.js";

/** The live key set of the OpenID provider on one instance. */
export interface OidcSigningKeys {
  /**
   * The private JWKs for oidc-provider's `jwks`: the signing RS256 key first, then the RS256
   * keys that still verify, then the session keys (EdDSA or ES256) the same way; each with
   * `kid`, `alg` and `use: "sig"`. A fresh copy on each call. Never publish these.
   */
  privateJwks(): PrivateJwk[];
  /** The same keys' public halves. */
  publicJwks(): JwkSet;
  /** Reloads the keys from the database (a rotation elsewhere). */
  refresh(): Promise<void>;
  /** Changes when the set of keys (or which one signs) changes: rebuild the provider then. */
  version(): string;
}

/** A version string of an ordered set of keys: the hash of their algorithms and kids. */
function versionOf(keys: readonly AsymmetricJwtKey[]): string {
  const text = JSON.stringify(keys.map((key) => [key.algorithm, key.kid]));
  return createHash("sha256").update(text, "utf8").digest("base64url").slice(0, 22);
}

/**
 * Loads the OpenID provider's keys (making the RS256 key on first start, and the session key
 * when sessions use EdDSA or ES256 and none exists yet).
 * @throws Error when a stored key cannot be opened (a wrong TESSERA_KEY_ENCRYPTION_SECRET).
 */
export async function loadOidcSigningKeys(
  db: DatabaseHandle,
  settings: SigningKeySettings,
  clock: Clock,
): Promise<OidcSigningKeys> {
  // RS256 first: the provider's default and the one every client may ask for.
  const algorithms = storedKeyAlgorithms(settings).reverse();
  const opened: OpenedKeys = new Map();
  let current: { privateJwks: PrivateJwk[]; publicJwks: JwkSet; version: string } | undefined;
  const load = async () => {
    const nowMs = clock();
    const keys: AsymmetricJwtKey[] = [];
    for (const algorithm of algorithms) {
      keys.push(...(await openStoredKeys(db, settings, algorithm, nowMs, opened)));
    }
    current = {
      privateJwks: keys.map(privateJwk),
      publicJwks: { keys: keys.map(publicJwk) },
      version: versionOf(keys),
    };
  };
  await load();
  return {
    privateJwks: () => structuredClone(current!.privateJwks),
    publicJwks: () => structuredClone(current!.publicJwks),
    refresh: load,
    version: () => current!.version,
  };
}

/**
 * The one JWKS Tessera publishes: the OpenID provider's keys and the session keys (the same
 * EdDSA or ES256 keys when sessions use them; the two are reloaded apart, so the union covers a
 * rotation one of them has seen first), each kid once. Public members only.
 */
export function publishedJwks(signingKeys: SigningKeys, oidcKeys: OidcSigningKeys): JwkSet {
  const keys = oidcKeys.publicJwks().keys;
  const kids = new Set(keys.map((key) => key.kid));
  for (const key of signingKeys.jwks().keys) if (!kids.has(key.kid)) keys.push(key);
  return { keys };
}
