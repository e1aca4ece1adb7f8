/**
 * The `oidc_consents` table: the scopes each person granted each client (issue 21 item 4),
 * remembered across sessions, listed on the account page and revocable there.
 */
import type { Kysely } from "kysely";
import { fromDbBool, fromEpochMs, toEpochMs } from "./columns.js";
import { canonicalId } from "./ids.js";
import type { Database } from "./schema.js";

type Db = Kysely<Database>;

/** One client a person gave access to. */
export interface OidcConsent {
  clientId: string;
  clientName: string;
  /** The client is Tessera's operator's own (it asks no consent). */
  firstParty: boolean;
  scopes: string[];
  createdAt: Date;
  updatedAt: Date;
}

function scopeList(text: string): string[] {
  return text.split(" ").filter((s) => s !== "");
}

/** The scopes the user granted the client (empty: none). */
export async function getOidcConsentScopes(
  db: Db,
  userId: string,
  clientId: string,
): Promise<string[]> {
  const id = canonicalId(userId);
  if (id === undefined) return [];
  const row = await db
    .selectFrom("oidc_consents")
    .select("scopes")
    .where("user_id", "=", id)
    .where("client_id", "=", clientId)
    .executeTakeFirst();
  return row === undefined ? [] : scopeList(row.scopes);
}

/**
 * Adds scopes to what the user granted the client (kept sorted, each once). Two consents at
 * once for one pair each add theirs: the read and the write are one transaction that retries
 * a lost insert race as an update.
 */
export async function addOidcConsentScopes(
  db: Db,
  userId: string,
  clientId: string,
  scopes: readonly string[],
  nowMs: number,
): Promise<string[]> {
  const id = canonicalId(userId);
  if (id === undefined) return [];
  const now = toEpochMs(nowMs);
  const merge = (existing: string[]) => [...new Set([...existing, ...scopes])].sort();
  return db.transaction().execute(async (trx) => {
    const existing = await getOidcConsentScopes(trx, id, clientId);
    const merged = merge(existing);
    await trx
      .insertInto("oidc_consents")
      .values({
        user_id: id,
        client_id: clientId,
        scopes: merged.join(" "),
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(["user_id", "client_id"]).doUpdateSet({
          scopes: merged.join(" "),
          updated_at: now,
        }),
      )
      .execute();
    return merged;
  });
}

/** The clients the user gave access to, most recent first. */
export async function listOidcConsents(db: Db, userId: string): Promise<OidcConsent[]> {
  const id = canonicalId(userId);
  if (id === undefined) return [];
  const rows = await db
    .selectFrom("oidc_consents")
    .innerJoin("oidc_clients", "oidc_clients.client_id", "oidc_consents.client_id")
    .select([
      "oidc_consents.client_id as clientId",
      "oidc_clients.name as clientName",
      "oidc_clients.first_party as firstParty",
      "oidc_consents.scopes as scopes",
      "oidc_consents.created_at as createdAt",
      "oidc_consents.updated_at as updatedAt",
    ])
    .where("oidc_consents.user_id", "=", id)
    .orderBy("oidc_consents.updated_at", "desc")
    .orderBy("oidc_consents.client_id")
    .execute();
  return rows.map((r) => ({
    clientId: r.clientId,
    clientName: r.clientName,
    firstParty: fromDbBool(r.firstParty),
    scopes: scopeList(r.scopes),
    createdAt: fromEpochMs(r.createdAt),
    updatedAt: fromEpochMs(r.updatedAt),
  }));
}

/** Forgets the user's consent to the client; whether there was one. */
export async function deleteOidcConsent(
  db: Db,
  userId: string,
  clientId: string,
): Promise<boolean> {
  const id = canonicalId(userId);
  if (id === undefined) return false;
  const result = await db
    .deleteFrom("oidc_consents")
    .where("user_id", "=", id)
    .where("client_id", "=", clientId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
