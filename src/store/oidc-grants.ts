/**
 * The provider's grants in the `oidc_artefacts` table (issue 21 items 4 and 6): the grants a
 * person holds (the account page's "Apps with access"), and the end of a person's access to a
 * client or of a removed client: its grants and every artefact issued under them (refresh
 * tokens, access tokens, codes) deleted at once, so the tokens stop working on the next
 * request, on every instance. The artefacts in Redis (short-lived codes) are the provider
 * adapter's to delete (`revokeByGrantId`), with the ids these functions return; without their
 * grant they are refused anyway.
 */
import { fromDbBool, toEpochMs } from "./columns.js";
import { isLookupKey, payloadText, readPayload, type OidcPayload } from "./oidc-payloads.js";
import type { DatabaseHandle } from "./transactions.js";

/** Ids per `IN (…)` list: far under every dialect's bound on parameters. */
const ID_BATCH = 500;

/** A live grant of a person, with the client it is for. */
export interface OidcGrantOfAccount {
  grantId: string;
  clientId: string;
  clientName: string;
  firstParty: boolean;
  /** The provider's payload (`{}` when the stored text is corrupt). */
  payload: OidcPayload;
}

/**
 * The person's grants that have not expired at `nowMs`, for registered clients only, by
 * client and id.
 */
export async function findOidcGrantsOfAccount(
  db: DatabaseHandle,
  accountId: string,
  nowMs: number,
): Promise<OidcGrantOfAccount[]> {
  if (!isLookupKey(accountId)) return [];
  const now = toEpochMs(nowMs);
  const rows = await db
    .selectFrom("oidc_artefacts")
    .innerJoin("oidc_clients", "oidc_clients.client_id", "oidc_artefacts.client_id")
    .select([
      "oidc_artefacts.id as grantId",
      "oidc_clients.client_id as clientId",
      "oidc_clients.name as clientName",
      "oidc_clients.first_party as firstParty",
      "oidc_artefacts.payload as payload",
    ])
    .where("oidc_artefacts.account_id", "=", accountId)
    .where("oidc_artefacts.model", "=", "Grant")
    .where((eb) =>
      eb.or([
        eb("oidc_artefacts.expires_at", "is", null),
        eb("oidc_artefacts.expires_at", ">", now),
      ]),
    )
    .orderBy("oidc_artefacts.client_id")
    .orderBy("oidc_artefacts.id")
    .execute();
  return rows.map((row) => ({
    grantId: row.grantId,
    clientId: row.clientId,
    clientName: row.clientName,
    firstParty: fromDbBool(row.firstParty),
    payload: readPayload(row.payload, null) ?? {},
  }));
}

/** Deletes every artefact issued under these grants (the grants themselves included). */
async function deleteArtefactsOfGrants(db: DatabaseHandle, grantIds: string[]): Promise<void> {
  for (let start = 0; start < grantIds.length; start += ID_BATCH) {
    const batch = grantIds.slice(start, start + ID_BATCH);
    await db.deleteFrom("oidc_artefacts").where("grant_id", "in", batch).execute();
    await db
      .deleteFrom("oidc_artefacts")
      .where("model", "=", "Grant")
      .where("id", "in", batch)
      .execute();
  }
}

/**
 * Ends a person's access to a client: deletes their grants for it (expired ones too), every
 * artefact issued under them, and any other artefact of the pair (a token whose grant is
 * already gone). The ids of the grants, for the artefacts kept elsewhere (Redis).
 */
export async function deleteOidcGrantsOfAccountClient(
  db: DatabaseHandle,
  accountId: string,
  clientId: string,
): Promise<string[]> {
  if (!isLookupKey(accountId) || !isLookupKey(clientId)) return [];
  const grants = await db
    .selectFrom("oidc_artefacts")
    .select("id")
    .where("account_id", "=", accountId)
    .where("model", "=", "Grant")
    .where("client_id", "=", clientId)
    .orderBy("id")
    .execute();
  const grantIds = grants.map((grant) => grant.id);
  await deleteArtefactsOfGrants(db, grantIds);
  await db
    .deleteFrom("oidc_artefacts")
    .where("account_id", "=", accountId)
    .where("client_id", "=", clientId)
    .where("model", "!=", "Session")
    .execute();
  return grantIds;
}

/**
 * Deletes what a removed client leaves: every artefact with its `client_id` (grants, tokens,
 * codes, client-credentials tokens), every artefact issued under its grants, and its refresh
 * graces. The ids of its grants, for the artefacts kept elsewhere (Redis).
 */
export async function deleteOidcArtefactsOfClient(
  db: DatabaseHandle,
  clientId: string,
): Promise<string[]> {
  if (!isLookupKey(clientId)) return [];
  const grants = await db
    .selectFrom("oidc_artefacts")
    .select("id")
    .where("model", "=", "Grant")
    .where("client_id", "=", clientId)
    .orderBy("id")
    .execute();
  const grantIds = grants.map((grant) => grant.id);
  await deleteArtefactsOfGrants(db, grantIds);
  await db.deleteFrom("oidc_artefacts").where("client_id", "=", clientId).execute();
  await db.deleteFrom("oidc_refresh_grace").where("client_id", "=", clientId).execute();
  return grantIds;
}

/** What a provider session held for a client it no longer authorises. */
export interface DroppedOidcAuthorization {
  /** The provider session's id. */
  sessionId: string;
  /** The `sid` the client was given in that session (for its back-channel logout). */
  sid: string | null;
}

/**
 * Takes a client out of the person's provider sessions (their `authorizations`), so that no
 * session says the client is signed in; what each held. A session the provider saves at the
 * same moment may put it back, which only means the client is told of that session's end.
 */
export async function dropOidcSessionAuthorizations(
  db: DatabaseHandle,
  accountId: string,
  clientId: string,
): Promise<DroppedOidcAuthorization[]> {
  if (!isLookupKey(accountId) || !isLookupKey(clientId)) return [];
  const rows = await db
    .selectFrom("oidc_artefacts")
    .select(["id", "payload"])
    .where("account_id", "=", accountId)
    .where("model", "=", "Session")
    .orderBy("id")
    .execute();
  const dropped: DroppedOidcAuthorization[] = [];
  for (const row of rows) {
    const payload = readPayload(row.payload, null);
    const authorizations = payload?.authorizations;
    if (
      payload === undefined ||
      typeof authorizations !== "object" ||
      authorizations === null ||
      !Object.hasOwn(authorizations, clientId)
    ) {
      continue;
    }
    const { [clientId]: held, ...rest } = authorizations as Record<string, unknown>;
    await db
      .updateTable("oidc_artefacts")
      .set({ payload: payloadText({ ...payload, authorizations: rest }) })
      .where("model", "=", "Session")
      .where("id", "=", row.id)
      .execute();
    const sid = (held as { sid?: unknown } | null)?.sid;
    dropped.push({ sessionId: row.id, sid: typeof sid === "string" ? sid : null });
  }
  return dropped;
}
