/**
 * The abuse limits of the OpenID provider (issue 21 items 2 and 8), in the same store as the
 * login throttle's counters (`src/store/rate-limit/`: in memory, the database, or Redis shared
 * by every instance), each counter under its own key namespace:
 *
 * - `oidc-client:<client id>|<address bucket>`: requests of one registered client from one
 *   client network at the token, introspection, revocation and device authorization
 *   endpoints, every request counted, `TESSERA_OIDC_CLIENT_REQUESTS_PER_MINUTE` a minute.
 *   Keyed with the network as well as the client (as Okta's client-based limits are): a
 *   public client's id is no secret, and a limit on the id alone would let anyone who knows it
 *   lock the app out for all its users.
 * - `oidc-unknown-client:<address bucket>`: requests naming a client that is not registered,
 *   per network, `TESSERA_OIDC_UNKNOWN_CLIENT_REQUESTS_PER_MINUTE` a minute.
 * - `oidc-user-code:<address bucket>` and `oidc-user-code-session:<session id>`: device user
 *   codes entered on the verification page (RFC 8628 §5.1: "brute force attacks"), reserved
 *   before the code is looked up and given back when it names a device code, so only wrong
 *   codes count (`OIDC_USER_CODE_ADDRESS_POLICY`, `OIDC_USER_CODE_SESSION_POLICY`).
 * - `oidc-registration:<address bucket>`: clients registered dynamically (RFC 7591), every
 *   registration counted (`OIDC_REGISTRATION_ADDRESS_POLICY`).
 * - `oidc-refusal-audit:<client id>|<address bucket>`: refusals of a client written to the
 *   audit trail (`OIDC_REFUSAL_AUDIT_POLICY`); past it they are not written.
 *
 * Every check reserves atomically before the work it guards, so parallel requests cannot all
 * pass (issue 14 item 1), and fails closed: a store that cannot answer is a 503.
 */
import { MINUTE_MS, SECOND_MS, type Clock } from "../../../core/clock.js";
import { InternalError, TooManyRequestsError } from "../../../core/errors.js";
import { assertValidPolicy, type WindowPolicy } from "../../../core/rate-limit.js";
import type { RateLimitEntry, RateLimitStore } from "../../../store/rate-limit/index.js";
import { normalizeClientAddress } from "./client-address.js";
import {
  OIDC_REFUSAL_AUDIT_POLICY,
  OIDC_REGISTRATION_ADDRESS_POLICY,
  OIDC_USER_CODE_ADDRESS_POLICY,
  OIDC_USER_CODE_SESSION_POLICY,
} from "./policies.js";

/** The detail of a refused client request. */
export const OIDC_TOO_MANY_REQUESTS_DETAIL = "Too many requests from this client, try again later";
/** The detail of a refused user code. */
export const OIDC_TOO_MANY_CODES_DETAIL = "Too many wrong codes, try again later";

export interface OidcLimitsOptions {
  store: RateLimitStore;
  clock: Clock;
  /** Requests per minute of one registered client from one network. */
  clientRequestsPerMinute: number;
  /** Requests per minute from one network naming an unregistered client. */
  unknownClientRequestsPerMinute: number;
}

/** A user-code attempt counted in advance: given back when the code names a device code. */
export interface UserCodeReservation {
  readonly entries: readonly RateLimitEntry[];
}

/** What the provider asks before it does the work an abuser would repeat. */
export interface OidcLimits {
  /**
   * Counts one request at a client-authenticated endpoint: of `clientId` from `address`'s
   * network, or, when `clientId` is null (no such client), of the network.
   * @throws TooManyRequestsError; InternalError `service_unavailable`.
   */
  reserveClientRequest(input: { clientId: string | null; address: string }): Promise<void>;
  /**
   * Counts one user code entered from `address` (and in Tessera session `sessionId`, when
   * signed in), before it is looked up.
   * @throws TooManyRequestsError; InternalError `service_unavailable`.
   */
  reserveUserCode(input: {
    address: string;
    sessionId: string | null;
  }): Promise<UserCodeReservation>;
  /** Gives a user-code attempt back: the code was a real one. */
  releaseUserCode(reservation: UserCodeReservation): Promise<void>;
  /**
   * Counts one dynamic registration from `address`'s network.
   * @throws TooManyRequestsError; InternalError `service_unavailable`.
   */
  reserveRegistration(address: string): Promise<void>;
  /**
   * Whether one more refusal of `clientId` from `address`'s network may be written to the
   * audit trail (and counts it). False past the cap, and when the store cannot answer (it runs
   * after the answer: nothing to refuse). Never throws.
   */
  reserveRefusalAudit(input: { clientId: string; address: string }): Promise<boolean>;
}

function perMinute(count: number): WindowPolicy {
  return { kind: "window", maxFailures: count, windowMs: MINUTE_MS };
}

/** The provider's limits over one store. @throws TypeError at start-up for a bad count. */
export function createOidcLimits(options: OidcLimitsOptions): OidcLimits {
  const { store, clock } = options;
  const clientPolicy = perMinute(options.clientRequestsPerMinute);
  const unknownPolicy = perMinute(options.unknownClientRequestsPerMinute);
  assertValidPolicy(clientPolicy, "clientRequestsPerMinute");
  assertValidPolicy(unknownPolicy, "unknownClientRequestsPerMinute");

  async function guarded<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new InternalError("Rate limit store unavailable", {
        code: "service_unavailable",
        cause: error,
      });
    }
  }

  async function reserve(entries: readonly RateLimitEntry[], detail: string): Promise<void> {
    const nowMs = clock();
    const result = await guarded(() => store.reserve(entries, nowMs));
    if (!result.allowed) {
      throw new TooManyRequestsError((result.lockedUntilMs - nowMs) / SECOND_MS, detail);
    }
  }

  return {
    async reserveClientRequest({ clientId, address }) {
      const bucket = normalizeClientAddress(address);
      await reserve(
        [
          clientId === null
            ? { key: `oidc-unknown-client:${bucket}`, policy: unknownPolicy }
            : { key: `oidc-client:${clientId}|${bucket}`, policy: clientPolicy },
        ],
        OIDC_TOO_MANY_REQUESTS_DETAIL,
      );
    },

    async reserveUserCode({ address, sessionId }) {
      const entries: RateLimitEntry[] = [
        {
          key: `oidc-user-code:${normalizeClientAddress(address)}`,
          policy: OIDC_USER_CODE_ADDRESS_POLICY,
        },
      ];
      if (sessionId !== null) {
        entries.push({
          key: `oidc-user-code-session:${sessionId}`,
          policy: OIDC_USER_CODE_SESSION_POLICY,
        });
      }
      await reserve(entries, OIDC_TOO_MANY_CODES_DETAIL);
      return { entries };
    },

    async releaseUserCode({ entries }) {
      const nowMs = clock();
      await guarded(() =>
        Promise.all(entries.map(({ key, policy }) => store.release(key, policy, nowMs))),
      );
    },

    async reserveRegistration(address) {
      await reserve(
        [
          {
            key: `oidc-registration:${normalizeClientAddress(address)}`,
            policy: OIDC_REGISTRATION_ADDRESS_POLICY,
          },
        ],
        "Too many clients registered from this network, try again later",
      );
    },

    async reserveRefusalAudit({ clientId, address }) {
      const key = `oidc-refusal-audit:${clientId}|${normalizeClientAddress(address)}`;
      try {
        const result = await store.reserve([{ key, policy: OIDC_REFUSAL_AUDIT_POLICY }], clock());
        return result.allowed;
      } catch {
        return false;
      }
    },
  };
}
