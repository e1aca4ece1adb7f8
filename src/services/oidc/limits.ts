/**
 * The provider's abuse limits (issue 21 items 2 and 8; the counters: `abuse/rate-limit/
 * oidc-limits.ts`), checked inside the provider, where it has read the request:
 *
 * - Token, introspection, revocation and device authorization requests are counted when the
 *   provider looks their client up (`Client.find`, after it parsed the body and took the
 *   client's id from the Basic header or the body, before it checks the secret): per client
 *   and network, or per network for an unregistered client. A request naming no client is
 *   refused by the provider before it reads anything stored. Checking here rather than in
 *   front of the provider reads the body once, by the provider, finds the client id exactly
 *   as it does, knows the grant type, and lets a browser app read the 429 (CORS).
 * - A device user code entered on the verification page is counted before it is looked up
 *   (`DeviceCode.findByUserCode`) and given back when it names a device code: only wrong codes
 *   count, per network and per Tessera session.
 *
 * A refusal is the provider's own error answer: 429 with `Retry-After`, and for the endpoints
 * `{"error": "too_many_requests"}`, except a device polling with the device code grant, which
 * gets `slow_down` (RFC 8628 §3.5: it adds 5 s to its interval and keeps polling; RFC 6749
 * registers no error for a rate limit). The code page says to wait. A store that cannot answer
 * is a 503 `temporarily_unavailable`.
 */
import type Provider from "oidc-provider";
import type { ClientMetadata, errors as providerErrors, KoaContextWithOIDC } from "oidc-provider";
import { ClientError, InternalError, TooManyRequestsError } from "../../core/errors.js";
import type { OidcLimits, UserCodeReservation } from "../abuse/rate-limit/index.js";
import { loadOidcProvider } from "./load.js";
import { allowedOrigins } from "./provider.js";
import { requestMetaOf, tesseraSessionOf } from "./request-session.js";

/** The provider's routes whose requests count per client. */
export const CLIENT_LIMITED_ROUTES: ReadonlySet<string> = new Set([
  "token",
  "introspection",
  "revocation",
  "device_authorization",
]);

/** The device code grant, whose polling is told to slow down. */
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

type ProviderErrors = typeof providerErrors;

/**
 * A Tessera error as the provider answers it, inside a provider request `kctx`: a limit as 429
 * (`Retry-After` set, and readable by a browser app only from an origin its client allows), a
 * store outage as 503, a refused registration as RFC 7591's `invalid_redirect_uri` or
 * `invalid_client_metadata`. Anything else is returned as it is.
 */
export function asProviderError(
  errors: ProviderErrors,
  error: unknown,
  kctx: KoaContextWithOIDC | undefined,
  options: { slowDown?: boolean; client?: ClientMetadata | undefined } = {},
): unknown {
  if (error instanceof TooManyRequestsError) {
    if (kctx !== undefined) {
      kctx.set("Retry-After", String(error.retryAfterSeconds));
      const origin = kctx.get("Origin");
      if (origin !== "") {
        const allowed = options.client !== undefined && allowedOrigins(options.client).has(origin);
        if (allowed) kctx.append("Access-Control-Expose-Headers", "Retry-After");
        else kctx.remove("Access-Control-Allow-Origin");
      }
    }
    const refusal = new errors.OIDCProviderError(
      429,
      options.slowDown === true ? "slow_down" : "too_many_requests",
    );
    refusal.error_description = error.message;
    return refusal;
  }
  if (error instanceof InternalError && error.code === "service_unavailable") {
    const outage = new errors.OIDCProviderError(503, "temporarily_unavailable", { cause: error });
    outage.error_description = "The server is busy, try again later";
    outage.expose = true;
    return outage;
  }
  if (error instanceof ClientError && error.code === "validation_error") {
    const field = (error.extra as { field?: unknown } | undefined)?.field;
    const refusal = new errors.OIDCProviderError(
      400,
      field === "redirect_uris" ? "invalid_redirect_uri" : "invalid_client_metadata",
    );
    refusal.error_description = error.message;
    return refusal;
  }
  return error;
}

/** Installs the limits on one provider's model classes. */
export async function installOidcLimits(provider: Provider, limits: OidcLimits): Promise<void> {
  const { Provider: ProviderClass, errors } = await loadOidcProvider();
  const counted = new WeakSet<object>();

  const Client = provider.Client as unknown as {
    find(id: string): Promise<{ metadata(): ClientMetadata; clientId: string } | undefined>;
  };
  const find = Client.find.bind(Client);
  Client.find = async (id) => {
    const kctx = ProviderClass.ctx;
    if (kctx === undefined || !CLIENT_LIMITED_ROUTES.has(kctx.oidc.route) || counted.has(kctx)) {
      return find(id);
    }
    // Once per request: the provider may look the client up again.
    counted.add(kctx);
    const client = await find(id);
    try {
      await limits.reserveClientRequest({
        clientId: client?.clientId ?? null,
        address: requestMetaOf(kctx.req).ip,
      });
    } catch (error) {
      throw asProviderError(errors, error, kctx, {
        slowDown: kctx.oidc.route === "token" && kctx.oidc.params?.grant_type === DEVICE_CODE_GRANT,
        client: client?.metadata(),
      });
    }
    return client;
  };

  const DeviceCode = provider.DeviceCode as unknown as {
    findByUserCode(userCode: string, options?: object): Promise<unknown>;
  };
  const findByUserCode = DeviceCode.findByUserCode.bind(DeviceCode);
  DeviceCode.findByUserCode = async (userCode, options) => {
    const kctx = ProviderClass.ctx;
    if (kctx === undefined || kctx.oidc.route !== "code_verification") {
      return findByUserCode(userCode, options);
    }
    let reservation: UserCodeReservation;
    try {
      reservation = await limits.reserveUserCode({
        address: requestMetaOf(kctx.req).ip,
        sessionId: tesseraSessionOf(kctx.req)?.sessionId ?? null,
      });
    } catch (error) {
      throw asProviderError(errors, error, kctx);
    }
    const code = await findByUserCode(userCode, options);
    if (code !== undefined) {
      try {
        await limits.releaseUserCode(reservation);
      } catch (error) {
        throw asProviderError(errors, error, kctx);
      }
    }
    return code;
  };
}
