/**
 * Dynamic client registration (RFC 7591, `TESSERA_OIDC_REGISTRATION=token|open`): the provider
 * checks the request against its own client schema and stores the client through its adapter;
 * the adapter's write for model `Client` lands here, and the client joins Tessera's client
 * registry (`oidc_clients`), where the provider finds it, `tessera clients list` shows it and
 * `tessera clients remove` removes it.
 *
 * - The provider made the id (`newOidcClientId`) and, for a confidential client, the secret
 *   (256 bits); only the secret's SHA-256 digest is stored. The provider's answer still holds
 *   the secret, in clear, that once (`registrationResponse` answers the metadata it made, not
 *   what the registry keeps).
 * - Tessera's own rules apply on top of the provider's (`checkOidcClient`: https or loopback
 *   redirect URIs, private-use schemes for public native apps only, the known grants, a name),
 *   answered as RFC 7591 §3.2.2 errors. A registered client is never first-party (it would
 *   skip consent) and authenticates with a secret or as a public client (PKCE).
 * - No registration management (RFC 7592): no registration access token is issued, so a
 *   client can neither read, change nor delete its registration; the operator can.
 * - Counted per client network (`reserveRegistration`, 10 an hour), audited as
 *   `oidc_client_added` with `via: "dynamic_registration"`, never with the secret.
 */
import type { ClientMetadata } from "oidc-provider";
import { ClientError } from "../../core/errors.js";
import { secretDigestBase64Url } from "../../core/secret-digest.js";
import { insertOidcClient, withTransaction } from "../../store/index.js";
import type { OidcLimits } from "../abuse/rate-limit/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { checkOidcClient, FIRST_PARTY } from "./client-metadata.js";
import { DYNAMICALLY_REGISTERED } from "./clients.js";
import { asProviderError } from "./limits.js";
import { loadOidcProvider } from "./load.js";
import { requestMetaOf } from "./request-session.js";

/** How a registered client may authenticate at the token endpoint. */
const REGISTRATION_AUTH_METHODS: ReadonlySet<unknown> = new Set([
  "none",
  "client_secret_basic",
  "client_secret_post",
]);

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

function invalid(field: string, detail: string): ClientError {
  return new ClientError(detail, { code: "validation_error", extra: { field } });
}

/**
 * Adds a client the provider registered to the registry.
 * @throws ClientError `validation_error` (`extra.field`) when Tessera's rules refuse it;
 *   TooManyRequestsError; InternalError `service_unavailable`.
 */
export async function registerOidcClient(
  ctx: ServiceContext,
  limits: OidcLimits,
  clientId: string,
  metadata: Readonly<Record<string, unknown>>,
  meta: RequestMeta,
): Promise<void> {
  if (metadata[FIRST_PARTY] === true) {
    throw invalid(FIRST_PARTY, "A client registered through the API cannot be first-party");
  }
  const method = metadata.token_endpoint_auth_method;
  if (!REGISTRATION_AUTH_METHODS.has(method)) {
    throw invalid(
      "token_endpoint_auth_method",
      "token_endpoint_auth_method: none, client_secret_basic or client_secret_post",
    );
  }
  const isPublic = method === "none";
  const secret = metadata.client_secret;
  if (!isPublic && (typeof secret !== "string" || secret === "")) {
    throw invalid("client_secret", "A confidential client needs a secret");
  }
  const checked = checkOidcClient({
    name: typeof metadata.client_name === "string" ? metadata.client_name : "",
    redirectUris: strings(metadata.redirect_uris) ?? [],
    public: isPublic,
    firstParty: false,
    postLogoutRedirectUris: strings(metadata.post_logout_redirect_uris) ?? [],
    ...(typeof metadata.backchannel_logout_uri === "string"
      ? { backchannelLogoutUri: metadata.backchannel_logout_uri }
      : {}),
    ...(metadata.grant_types === undefined ? {} : { grants: strings(metadata.grant_types) }),
  });
  await limits.reserveRegistration(meta.ip);
  const stored: Record<string, unknown> = { ...metadata, client_id: clientId };
  delete stored.client_secret;
  delete stored[FIRST_PARTY];
  // Its URIs stay behind oidc-provider's guard against private addresses (isOperatorClientUrl).
  stored[DYNAMICALLY_REGISTERED] = true;
  await withTransaction(ctx.db, async (db) => {
    await insertOidcClient(db, {
      clientId,
      name: checked.name,
      metadata: stored,
      secretHash: isPublic ? null : secretDigestBase64Url(secret as string),
      firstParty: false,
      nowMs: ctx.clock(),
    });
    await audit({ ...ctx, db }, "oidc_client_added", {
      userId: null,
      meta,
      detail: {
        via: "dynamic_registration",
        client_id: clientId,
        name: checked.name,
        public: isPublic,
        first_party: false,
        grant_types: checked.grants,
        redirect_uris: checked.metadata.redirect_uris,
      },
    });
  });
}

/**
 * The provider adapter's write of a client (`withClients` in provider.ts): registers it, with
 * the request the provider is answering, and turns a refusal into the provider's error.
 */
export function oidcClientRegistrar(
  ctx: ServiceContext,
  limits: OidcLimits,
): (clientId: string, metadata: ClientMetadata) => Promise<void> {
  return async (clientId, metadata) => {
    const { Provider, errors } = await loadOidcProvider();
    const kctx = Provider.ctx;
    try {
      await registerOidcClient(
        ctx,
        limits,
        clientId,
        metadata as Record<string, unknown>,
        requestMetaOf(kctx?.req),
      );
    } catch (error) {
      throw asProviderError(errors, error, kctx);
    }
  };
}
