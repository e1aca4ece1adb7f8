/**
 * The provider's audit trail (issue 21 item 8: "every grant, consent, refusal and revocation is
 * audited"), from its events (oidc-provider's docs/events.md). Consent given or denied on
 * Tessera's page is audited where it is answered (`interactions.ts`); the rest here:
 *
 * - `oidc_grant_issued`: tokens issued at the token endpoint (`grant.success`), every grant
 *   type, refreshes included: `client_id`, `grant_type`, `scope`; the person is the grant's.
 *   A sign-in to an app is audited when its code is exchanged, not when the code is issued.
 * - `oidc_grant_refused`: a registered client's request refused at the token, introspection,
 *   revocation or device authorization endpoint (`grant.error` and the like: `endpoint`,
 *   `error`), except a device's normal polling (`authorization_pending`, `slow_down`) and the
 *   rate limit's 429, and at most 30 per client and network in 15 minutes (`reserveRefusalAudit`:
 *   a stranger who knows a public client's id cannot fill the trail at the rate limit's pace); an
 *   authorization refused for a signed-in person (`authorization.error`, `device_resume.error`);
 *   a device approval the person cancelled. A request naming no registered client, or an
 *   anonymous malformed authorization request, writes nothing (no rows from strangers).
 * - `oidc_grant_revoked`: a whole grant revoked because a used code or rotated refresh token
 *   came back (`grant.revoked` at the token endpoint, `reason: "token_reused"`).
 * - `oidc_token_revoked`: a token revoked at the revocation endpoint (RFC 7009): its kind, its
 *   client, its grant, and whether the grant went with it. oidc-provider 9 emits no
 *   `revocation.success`: the token's `*.destroyed` event within the request says it.
 * - `oidc_logout`: an RP-initiated logout (`end_session.success`), with the clients notified
 *   by back-channel (`backchannel.success` / `backchannel.error`) and the grants revoked.
 *
 * No event holds a token, code, secret or user code: identifiers, grant types, error codes.
 * The writes run after the answer (`track`); `server_error` goes to `onError`, the process's
 * warning path.
 */
import type Provider from "oidc-provider";
import type { KoaContextWithOIDC } from "oidc-provider";
import type { OidcLimits } from "../abuse/rate-limit/index.js";
import { audit, type AuditEventName } from "../audit/audit.js";
import type { ServiceContext } from "../context.js";
import { loadOidcProvider } from "./load.js";
import { requestMetaOf, tesseraSessionOf } from "./request-session.js";

export interface OidcAuditOptions {
  /** Runs an audit write after the answer; a failure of it goes to the runtime's `onError`. */
  track(work: Promise<unknown>): void;
  /** Told of the provider's server errors. */
  onError(error: unknown): void;
  /** Caps the refusals of a client written (`reserveRefusalAudit`). */
  limits: Pick<OidcLimits, "reserveRefusalAudit">;
}

/** A token as the provider's models hold one (what the audit reads of it). */
interface TokenLike {
  kind?: string;
  clientId?: string;
  accountId?: string;
  grantId?: string;
  error?: string;
}

/** What one request did that is audited once, at its end. */
interface RequestNotes {
  revokedTokens: TokenLike[];
  revokedGrants: string[];
  backchannelSent: string[];
  backchannelFailed: string[];
}

/** Errors of a device's normal polling at the token endpoint. */
const POLLING = new Set(["authorization_pending", "slow_down"]);

/** The endpoints whose refusals of a registered client are audited, by error event. */
const CLIENT_ERROR_EVENTS = {
  "grant.error": "token",
  "introspection.error": "introspection",
  "revocation.error": "revocation",
  "device_authorization.error": "device_authorization",
} as const;

/** The token kinds the revocation endpoint revokes, by destroyed event. */
const REVOCABLE_EVENTS = [
  "access_token.destroyed",
  "refresh_token.destroyed",
  "client_credentials.destroyed",
] as const;

function errorCode(error: unknown): string {
  const { error: code, message } = (error ?? {}) as { error?: unknown; message?: unknown };
  if (typeof code === "string") return code;
  return typeof message === "string" ? message : "unknown";
}

function statusOf(error: unknown): number {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === "number" ? status : 500;
}

function entity(kctx: KoaContextWithOIDC, name: string): TokenLike | undefined {
  return (kctx.oidc.entities as Record<string, TokenLike | undefined>)[name];
}

/** The person a token request is about (its grant's, or its token's). */
function accountOf(kctx: KoaContextWithOIDC): string | null {
  for (const name of ["Grant", "RefreshToken", "AuthorizationCode", "DeviceCode", "AccessToken"]) {
    const accountId = entity(kctx, name)?.accountId;
    if (typeof accountId === "string") return accountId;
  }
  return null;
}

/** The person of an authorization request: the provider session's, else Tessera's. */
function personOf(kctx: KoaContextWithOIDC): string | null {
  const accountId = kctx.oidc.session?.accountId;
  if (typeof accountId === "string") return accountId;
  return tesseraSessionOf(kctx.req)?.userId ?? null;
}

/** Attaches the audit listeners to one provider (every provider the runtime makes). */
export async function installOidcAudit(
  ctx: ServiceContext,
  provider: Provider,
  options: OidcAuditOptions,
): Promise<void> {
  const { Provider: ProviderClass } = await loadOidcProvider();
  const notes = new WeakMap<object, RequestNotes>();
  const notesOf = (kctx: object): RequestNotes => {
    let found = notes.get(kctx);
    if (found === undefined) {
      found = { revokedTokens: [], revokedGrants: [], backchannelSent: [], backchannelFailed: [] };
      notes.set(kctx, found);
    }
    return found;
  };
  const write = (
    kctx: KoaContextWithOIDC,
    event: AuditEventName,
    userId: string | null,
    detail: Record<string, unknown>,
  ) => {
    options.track(audit(ctx, event, { userId, meta: requestMetaOf(kctx.req), detail }));
  };
  // The typed `on` lists only some events; every one here is in docs/events.md.
  const on = provider.on.bind(provider) as (
    event: string,
    listener: (...args: never[]) => void,
  ) => Provider;

  on("grant.success", (kctx: KoaContextWithOIDC) => {
    const scope = (kctx.body as { scope?: unknown } | undefined)?.scope;
    write(kctx, "oidc_grant_issued", accountOf(kctx), {
      client_id: kctx.oidc.client?.clientId ?? null,
      grant_type: kctx.oidc.params?.grant_type ?? null,
      ...(typeof scope === "string" ? { scope } : {}),
    });
  });

  for (const [event, endpoint] of Object.entries(CLIENT_ERROR_EVENTS)) {
    on(event, (kctx: KoaContextWithOIDC, error: unknown) => {
      const client = kctx.oidc.client;
      const code = errorCode(error);
      const status = statusOf(error);
      if (client === undefined || status === 429 || status >= 500) return;
      if (endpoint === "token" && POLLING.has(code)) return;
      const meta = requestMetaOf(kctx.req);
      const detail = {
        client_id: client.clientId,
        endpoint,
        ...(endpoint === "token" ? { grant_type: kctx.oidc.params?.grant_type ?? null } : {}),
        error: code,
      };
      const userId = accountOf(kctx);
      options.track(
        (async () => {
          const allowed = await options.limits.reserveRefusalAudit({
            clientId: client.clientId,
            address: meta.ip,
          });
          if (allowed) await audit(ctx, "oidc_grant_refused", { userId, meta, detail });
        })(),
      );
    });
  }

  for (const [event, endpoint] of [
    ["authorization.error", "authorization"],
    ["device_resume.error", "device"],
  ] as const) {
    on(event, (kctx: KoaContextWithOIDC, error: unknown) => {
      const client = kctx.oidc.client;
      const person = personOf(kctx);
      if (client === undefined || person === null || statusOf(error) >= 500) return;
      write(kctx, "oidc_grant_refused", person, {
        client_id: client.clientId,
        endpoint,
        error: errorCode(error),
      });
    });
  }

  // "Cancel" on the device confirmation page: the provider saves the code with its error.
  on("device_code.saved", (code: TokenLike) => {
    const kctx = ProviderClass.ctx;
    if (kctx?.oidc.route !== "code_verification" || code.error !== "access_denied") return;
    write(kctx, "oidc_grant_refused", tesseraSessionOf(kctx.req)?.userId ?? null, {
      client_id: code.clientId ?? null,
      endpoint: "device",
      error: "access_denied",
    });
  });

  on("grant.revoked", (kctx: KoaContextWithOIDC, grantId: string) => {
    const route = kctx.oidc.route;
    if (route === "revocation" || route === "end_session_confirm") {
      notesOf(kctx).revokedGrants.push(grantId);
      return;
    }
    write(kctx, "oidc_grant_revoked", accountOf(kctx), {
      client_id: kctx.oidc.client?.clientId ?? null,
      grant_id: grantId,
      reason: route === "token" ? "token_reused" : route,
    });
  });

  for (const event of REVOCABLE_EVENTS) {
    on(event, (token: TokenLike) => {
      const kctx = ProviderClass.ctx;
      if (kctx?.oidc.route === "revocation") notesOf(kctx).revokedTokens.push(token);
    });
  }
  // After the revocation endpoint answered: the tokens it revoked, and their grants.
  provider.use(async (kctx, next) => {
    await next();
    const revoked = notes.get(kctx);
    if (revoked === undefined || revoked.revokedTokens.length === 0) return;
    for (const token of revoked.revokedTokens) {
      write(kctx as KoaContextWithOIDC, "oidc_token_revoked", token.accountId ?? null, {
        client_id: token.clientId ?? null,
        token_type: token.kind ?? null,
        grant_id: token.grantId ?? null,
        grant_revoked: token.grantId !== undefined && revoked.revokedGrants.includes(token.grantId),
      });
    }
  });

  on("backchannel.success", (kctx: KoaContextWithOIDC, client: { clientId: string }) => {
    notesOf(kctx).backchannelSent.push(client.clientId);
  });
  on(
    "backchannel.error",
    (kctx: KoaContextWithOIDC, _error: unknown, client: { clientId: string }) => {
      notesOf(kctx).backchannelFailed.push(client.clientId);
    },
  );
  on("end_session.success", (kctx: KoaContextWithOIDC) => {
    const done = notesOf(kctx);
    write(kctx, "oidc_logout", personOf(kctx), {
      via: "rp_initiated",
      client_id: kctx.oidc.client?.clientId ?? null,
      all: Boolean(kctx.oidc.params?.logout),
      grants_revoked: done.revokedGrants.length,
      backchannel_sent: done.backchannelSent,
      backchannel_failed: done.backchannelFailed,
    });
  });

  on("server_error", (_kctx: KoaContextWithOIDC, error: unknown) => {
    options.onError(error);
  });
}
