/**
 * Sessions are one thing (issue 21 item 5): when a Tessera session ends by any path (sign-out,
 * "sign out everywhere", a lock, a password change or reset, an admin, the person deleted),
 * the provider sessions made from it end too. For each, every client that registered a
 * `backchannel_logout_uri` gets a logout token (OpenID Connect Back-Channel Logout 1.0 §2.5,
 * with the `sid` it was given), and the grants of that session are revoked unless they hold
 * `offline_access` (oidc-provider's `persistsLogout`): their refresh and access tokens stop
 * working at once.
 *
 * It runs on the instance that ended the session, after the answer (`sessionsChanged` in the
 * service context); a client that does not answer in time does not delay anyone. Every
 * instance sees the same artefacts, so the next request anywhere finds the provider session
 * gone.
 */
import type Provider from "oidc-provider";
import {
  destroyOidcArtefact,
  findOidcSessionsOfAccount,
  findOidcSessionsOfTesseraSession,
  getSession,
  type OidcSessionArtefact,
} from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { ServiceContext } from "../context.js";
import type { SessionEvent } from "../session-cache.js";

/** What a provider session holds per client. */
interface Authorization {
  sid?: string;
  grantId?: string;
  persistsLogout?: boolean;
}

interface Backchannel {
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

/** What ending one provider session did, for tests and the log. */
export interface EndedProviderSession {
  accountId: string;
  clients: string[];
  logoutTokensSent: string[];
  logoutTokensFailed: string[];
}

/** Whether the Tessera session a provider session was made from is still live. */
async function tesseraSessionLive(ctx: ServiceContext, id: unknown): Promise<boolean> {
  if (typeof id !== "string") return false;
  const record = await getSession(ctx.db, id);
  const now = ctx.clock();
  return (
    record !== undefined &&
    record.endedAt === null &&
    record.expiresAt.getTime() > now &&
    record.idleExpiresAt.getTime() > now
  );
}

/** Ends one provider session: logout tokens, grants revoked, the session gone. */
export async function endProviderSession(
  ctx: ServiceContext,
  provider: Provider,
  artefact: OidcSessionArtefact,
): Promise<EndedProviderSession | null> {
  const accountId = artefact.payload.accountId;
  // Delete first: whoever deletes it sends the logout tokens (two instances racing send once).
  if (!(await destroyOidcArtefact(ctx.db, "Session", artefact.id))) return null;
  if (typeof accountId !== "string") return null;
  const authorizations = (artefact.payload.authorizations ?? {}) as Record<string, Authorization>;
  const ended: EndedProviderSession = {
    accountId,
    clients: Object.keys(authorizations),
    logoutTokensSent: [],
    logoutTokensFailed: [],
  };
  await Promise.all(
    Object.entries(authorizations).map(async ([clientId, authorization]) => {
      const client = await provider.Client.find(clientId);
      if (authorization.grantId !== undefined && authorization.persistsLogout !== true) {
        await provider.Grant.adapter.revokeByGrantId(authorization.grantId);
        await provider.Grant.adapter.destroy(authorization.grantId);
      }
      if (client?.backchannelLogoutUri === undefined) return;
      try {
        // Client#backchannelLogout (oidc-provider 9; not in its published types).
        const logout = (client as unknown as Backchannel).backchannelLogout;
        await logout.call(client, accountId, authorization.sid ?? "");
        ended.logoutTokensSent.push(clientId);
      } catch {
        ended.logoutTokensFailed.push(clientId);
      }
    }),
  );
  await audit(ctx, "oidc_logout", {
    userId: accountId,
    detail: {
      clients: ended.clients,
      backchannel_sent: ended.logoutTokensSent,
      backchannel_failed: ended.logoutTokensFailed,
    },
  });
  return ended;
}

/**
 * Ends the provider sessions whose Tessera session an event may have ended: those of the
 * session, or every one of the user's whose Tessera session is no longer live.
 */
export async function endProviderSessionsAfter(
  ctx: ServiceContext,
  provider: Provider,
  event: SessionEvent,
): Promise<EndedProviderSession[]> {
  let candidates: OidcSessionArtefact[];
  if (event.kind === "session") {
    candidates = await findOidcSessionsOfTesseraSession(ctx.db, event.sessionId);
  } else if (event.kind === "user") {
    candidates = await findOidcSessionsOfAccount(ctx.db, event.userId);
  } else {
    return [];
  }
  const ended: EndedProviderSession[] = [];
  for (const artefact of candidates) {
    if (await tesseraSessionLive(ctx, artefact.payload.tesseraSessionId)) continue;
    const done = await endProviderSession(ctx, provider, artefact);
    if (done !== null) ended.push(done);
  }
  return ended;
}
