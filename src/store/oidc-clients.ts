/**
 * The `oidc_clients` table: the relying parties registered with the OpenID Connect provider
 * (issue 21). The metadata is the provider's snake_case client metadata as JSON text, never
 * with the secret; the secret is kept as its base64url SHA-256 (`secret_hash`), null for a
 * public client. Deleting a client deletes the consents given to it (foreign key, cascade).
 * Every write is one statement.
 */
import type { Kysely, Selectable } from "kysely";
import { fromDbBool, fromEpochMs, hasControlCharacter, toDbBool, toEpochMs } from "./columns.js";
import type { Database, OidcClientsTable } from "./schema.js";

type Db = Kysely<Database>;

/** The provider's client metadata (snake_case), without `client_secret`. */
export type OidcClientMetadata = Readonly<Record<string, unknown>>;

/** What `insertOidcClient` stores. */
export interface NewOidcClient {
  clientId: string;
  name: string;
  metadata: OidcClientMetadata;
  /** base64url SHA-256 of the secret; null for a public client. */
  secretHash: string | null;
  firstParty: boolean;
  nowMs: number;
}

/** A stored client. */
export interface OidcClientRecord {
  clientId: string;
  name: string;
  metadata: Record<string, unknown>;
  secretHash: string | null;
  firstParty: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The metadata as stored: JSON text, refused when it holds the secret. */
function metadataText(metadata: OidcClientMetadata): string {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new TypeError("Client metadata must be an object");
  }
  if (Object.hasOwn(metadata, "client_secret")) {
    throw new TypeError("Client metadata is stored without its client_secret");
  }
  // JSON.stringify escapes NUL and lone surrogates, so both dialects store the text as is.
  return JSON.stringify(metadata);
}

function toRecord(row: Selectable<OidcClientsTable>): OidcClientRecord {
  const metadata: unknown = JSON.parse(row.metadata);
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new Error(`The stored metadata of OIDC client ${row.client_id} is not a JSON object`);
  }
  return {
    clientId: row.client_id,
    name: row.name,
    metadata: metadata as Record<string, unknown>,
    secretHash: row.secret_hash,
    firstParty: fromDbBool(row.first_party),
    createdAt: fromEpochMs(row.created_at),
    updatedAt: fromEpochMs(row.updated_at),
  };
}

/** Whether an id can name no stored client (a lookup is a miss, never a dialect error). */
function unstorableId(clientId: string): boolean {
  return typeof clientId !== "string" || clientId === "" || hasControlCharacter(clientId);
}

/** Stores a new client; a taken client_id is a unique violation (`isUniqueViolation`). */
export async function insertOidcClient(db: Db, client: NewOidcClient): Promise<OidcClientRecord> {
  const now = toEpochMs(client.nowMs);
  const row = await db
    .insertInto("oidc_clients")
    .values({
      client_id: client.clientId,
      name: client.name,
      metadata: metadataText(client.metadata),
      secret_hash: client.secretHash,
      first_party: toDbBool(client.firstParty),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/** The client with this id, or undefined. */
export async function findOidcClient(
  db: Db,
  clientId: string,
): Promise<OidcClientRecord | undefined> {
  if (unstorableId(clientId)) return undefined;
  const row = await db
    .selectFrom("oidc_clients")
    .selectAll()
    .where("client_id", "=", clientId)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** Every client, oldest first (ties by id). A handful of rows: an operator registers them. */
export async function listOidcClientRecords(db: Db): Promise<OidcClientRecord[]> {
  const rows = await db
    .selectFrom("oidc_clients")
    .selectAll()
    .orderBy("created_at", "asc")
    .orderBy("client_id", "asc")
    .execute();
  return rows.map(toRecord);
}

/** Deletes a client (and, by cascade, the consents given to it); the deleted record or undefined. */
export async function deleteOidcClientRecord(
  db: Db,
  clientId: string,
): Promise<OidcClientRecord | undefined> {
  if (unstorableId(clientId)) return undefined;
  const row = await db
    .deleteFrom("oidc_clients")
    .where("client_id", "=", clientId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/**
 * Replaces a client's secret digest (a rotation; null makes it public) and its `updated_at`.
 * The updated record, or undefined when there is no such client.
 */
export async function setOidcClientSecretHash(
  db: Db,
  clientId: string,
  secretHash: string | null,
  nowMs: number,
): Promise<OidcClientRecord | undefined> {
  if (unstorableId(clientId)) return undefined;
  const row = await db
    .updateTable("oidc_clients")
    .set({ secret_hash: secretHash, updated_at: toEpochMs(nowMs) })
    .where("client_id", "=", clientId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/**
 * Replaces a client's metadata (and its name, when given) and its `updated_at`. The updated
 * record, or undefined when there is no such client.
 */
export async function setOidcClientMetadata(
  db: Db,
  clientId: string,
  update: { metadata: OidcClientMetadata; name?: string },
  nowMs: number,
): Promise<OidcClientRecord | undefined> {
  if (unstorableId(clientId)) return undefined;
  const row = await db
    .updateTable("oidc_clients")
    .set({
      metadata: metadataText(update.metadata),
      ...(update.name === undefined ? {} : { name: update.name }),
      updated_at: toEpochMs(nowMs),
    })
    .where("client_id", "=", clientId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}
