/**
 * The `upstream_providers` table (issue 22): the providers people may sign in through, as
 * stored (the client secret already sealed by the caller). Every write is one statement.
 */
import type { Kysely, Selectable } from "kysely";
import { fromDbBool, fromEpochMs, toDbBool, toEpochMs } from "./columns.js";
import type { Database, UpstreamProvidersTable } from "./schema.js";

type Db = Kysely<Database>;

/** A stored upstream provider. */
export interface StoredUpstreamProvider {
  id: string;
  name: string;
  kind: string;
  issuer: string;
  clientId: string;
  sealedClientSecret: string;
  scopes: string;
  linkPolicy: string;
  createAccounts: boolean;
  trustUpstreamMfa: boolean;
  createdAt: Date;
}

function toStored(row: Selectable<UpstreamProvidersTable>): StoredUpstreamProvider {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    issuer: row.issuer,
    clientId: row.client_id,
    sealedClientSecret: row.client_secret,
    scopes: row.scopes,
    linkPolicy: row.link_policy,
    createAccounts: fromDbBool(row.create_accounts),
    trustUpstreamMfa: fromDbBool(row.trust_upstream_mfa),
    createdAt: fromEpochMs(row.created_at),
  };
}

/** Every provider, oldest first. */
export async function listUpstreamProviders(db: Db): Promise<StoredUpstreamProvider[]> {
  const rows = await db
    .selectFrom("upstream_providers")
    .selectAll()
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toStored);
}

/** Stores a new provider; false when its id is taken. */
export async function insertUpstreamProvider(
  db: Db,
  provider: Omit<StoredUpstreamProvider, "createdAt">,
  nowMs: number,
): Promise<boolean> {
  const result = await db
    .insertInto("upstream_providers")
    .values({
      id: provider.id,
      name: provider.name,
      kind: provider.kind,
      issuer: provider.issuer,
      client_id: provider.clientId,
      client_secret: provider.sealedClientSecret,
      scopes: provider.scopes,
      link_policy: provider.linkPolicy,
      create_accounts: toDbBool(provider.createAccounts),
      trust_upstream_mfa: toDbBool(provider.trustUpstreamMfa),
      created_at: toEpochMs(nowMs),
    })
    .onConflict((oc) => oc.column("id").doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Deletes a provider and, with it, every identity linked through it; false when unknown. */
export async function deleteUpstreamProvider(db: Db, id: string): Promise<boolean> {
  // Explicit: SQLite enforces the cascade only with foreign keys on, PostgreSQL always.
  await db.deleteFrom("linked_identities").where("provider_id", "=", id).execute();
  const result = await db.deleteFrom("upstream_providers").where("id", "=", id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
