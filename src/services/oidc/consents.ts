/**
 * "Apps with access" (issue 21 item 4): the applications a person gave access to, listed on the
 * account page, and revoking one.
 *
 * An application has access when the person consented to it (remembered per person, client
 * and scope) or holds a live grant for it: a first-party client asks no consent, so its grants
 * are its access. Revoking forgets the consent and deletes every grant of the pair with every
 * token issued under it: the application's refresh and access tokens stop working on the next
 * request, on every instance (an access token made for another API, a JWT, lives out its few
 * minutes: nothing revokes a self-contained token). The person's provider sessions forget the
 * application, which is told through its back-channel logout URI when it registered one, so
 * its own session of the person ends too. A third-party application asks for consent again
 * next time; a first-party one signs the person in again without asking, as before.
 */
import type Provider from "oidc-provider";
import { NotFoundError } from "../../core/errors.js";
import {
  deleteOidcConsent,
  deleteOidcGrantsOfAccountClient,
  dropOidcSessionAuthorizations,
  findOidcGrantsOfAccount,
  listOidcConsents,
  withTransaction,
  type DroppedOidcAuthorization,
} from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";

/** An application with access to a person's account. */
export interface OidcApplicationAccess {
  clientId: string;
  name: string;
  /** Tessera's operator's own application: it asks no consent. */
  firstParty: boolean;
  /** The scopes it may ask for (consented, or held by its grants), sorted. */
  scopes: string[];
  /** When the person first gave it access. */
  grantedAt: Date;
}

/** What revoking an application's access did. */
export interface RevokedOidcAccess {
  clientId: string;
  /** Whether a remembered consent was forgotten. */
  consentForgotten: boolean;
  /** How many grants ended (with their tokens). */
  grantsRevoked: number;
  /** The provider sessions that no longer name the application. */
  sessionsUpdated: number;
  /** The sessions whose back-channel logout the application did, or did not, receive. */
  logoutTokensSent: number;
  logoutTokensFailed: number;
}

/** Options of `revokeOidcApplicationAccess`. */
export interface RevokeOidcAccessOptions {
  meta?: RequestMeta;
  /**
   * The running provider, when there is one: it deletes the grants' artefacts kept in Redis
   * and sends the application its back-channel logout. Without it the database's part is done.
   */
  provider?: Provider;
}

interface Backchannel {
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

/** The OpenID scopes a grant's payload holds (`openid.scope`). */
function grantScopes(payload: Record<string, unknown>): string[] {
  const openid = payload.openid as { scope?: unknown } | undefined;
  return typeof openid?.scope === "string" ? openid.scope.split(" ").filter((s) => s !== "") : [];
}

/** When a grant was made (`iat`, epoch seconds), or undefined. */
function grantIssuedAtMs(payload: Record<string, unknown>): number | undefined {
  return typeof payload.iat === "number" && Number.isFinite(payload.iat)
    ? payload.iat * 1000
    : undefined;
}

/**
 * The applications with access to the person's account, most recently given first (ties by
 * name): every consent, and every registered client the person holds a live grant for.
 */
export async function listOidcApplicationsOf(
  ctx: ServiceContext,
  userId: string,
): Promise<OidcApplicationAccess[]> {
  const [consents, grants] = await Promise.all([
    listOidcConsents(ctx.db, userId),
    findOidcGrantsOfAccount(ctx.db, userId, ctx.clock()),
  ]);
  const byClient = new Map<string, OidcApplicationAccess>();
  for (const consent of consents) {
    byClient.set(consent.clientId, {
      clientId: consent.clientId,
      name: consent.clientName,
      firstParty: consent.firstParty,
      scopes: [...consent.scopes],
      grantedAt: consent.createdAt,
    });
  }
  for (const grant of grants) {
    const issuedAtMs = grantIssuedAtMs(grant.payload) ?? ctx.clock();
    const known = byClient.get(grant.clientId);
    if (known === undefined) {
      byClient.set(grant.clientId, {
        clientId: grant.clientId,
        name: grant.clientName,
        firstParty: grant.firstParty,
        scopes: grantScopes(grant.payload),
        grantedAt: new Date(issuedAtMs),
      });
      continue;
    }
    known.scopes.push(...grantScopes(grant.payload));
    if (issuedAtMs < known.grantedAt.getTime()) known.grantedAt = new Date(issuedAtMs);
  }
  const applications = [...byClient.values()].map((application) => ({
    ...application,
    scopes: [...new Set(application.scopes)].sort(),
  }));
  return applications.sort(
    (a, b) =>
      b.grantedAt.getTime() - a.grantedAt.getTime() ||
      a.name.localeCompare(b.name) ||
      (a.clientId < b.clientId ? -1 : 1),
  );
}

/** Tells the application its sessions of the person ended (back-channel logout), if it asked. */
async function sendLogouts(
  provider: Provider,
  userId: string,
  clientId: string,
  dropped: readonly DroppedOidcAuthorization[],
): Promise<{ sent: number; failed: number }> {
  const result = { sent: 0, failed: 0 };
  if (dropped.length === 0) return result;
  const client = await provider.Client.find(clientId);
  if (client?.backchannelLogoutUri === undefined) return result;
  // Client#backchannelLogout (oidc-provider 9; not in its published types).
  const logout = (client as unknown as Backchannel).backchannelLogout;
  // At once: a client that does not answer delays the answer by one timeout, not one per session.
  await Promise.all(
    dropped.map(async ({ sid }) => {
      try {
        await logout.call(client, userId, sid ?? "");
        result.sent += 1;
      } catch {
        result.failed += 1;
      }
    }),
  );
  return result;
}

/**
 * Revokes the application's access to the person's account: the consent, every grant and the
 * tokens under them, the provider sessions' hold of it. Audited as `oidc_consent_revoked`.
 * @throws NotFoundError when the application has no access (no consent and no grant), which is
 * also the answer for an unknown client.
 */
export async function revokeOidcApplicationAccess(
  ctx: ServiceContext,
  userId: string,
  clientId: string,
  options: RevokeOidcAccessOptions = {},
): Promise<RevokedOidcAccess> {
  const done = await withTransaction(ctx.db, async (db) => {
    const consentForgotten = await deleteOidcConsent(db, userId, clientId);
    const grantIds = await deleteOidcGrantsOfAccountClient(db, userId, clientId);
    if (!consentForgotten && grantIds.length === 0) {
      throw new NotFoundError("This application has no access to your account");
    }
    const dropped = await dropOidcSessionAuthorizations(db, userId, clientId);
    await audit({ ...ctx, db }, "oidc_consent_revoked", {
      userId,
      meta: options.meta,
      detail: { client: clientId, grants_revoked: grantIds.length },
    });
    return { consentForgotten, grantIds, dropped };
  });
  const { provider } = options;
  let logouts = { sent: 0, failed: 0 };
  if (provider !== undefined) {
    // The codes in Redis: refused without their grant, deleted all the same.
    for (const grantId of done.grantIds) await provider.Grant.adapter.revokeByGrantId(grantId);
    logouts = await sendLogouts(provider, userId, clientId, done.dropped);
  }
  return {
    clientId,
    consentForgotten: done.consentForgotten,
    grantsRevoked: done.grantIds.length,
    sessionsUpdated: done.dropped.length,
    logoutTokensSent: logouts.sent,
    logoutTokensFailed: logouts.failed,
  };
}
