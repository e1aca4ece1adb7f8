/**
 * The `signing_keys` table: asymmetric token-signing keys as stored (the private half already
 * sealed by the caller). Every write is one statement.
 */
import type { Kysely } from "kysely";
import { fromEpochMs, fromNullableEpochMs, toEpochMs } from "./columns.js";
import type { Database, SigningKeysTable } from "./schema.js";

type Db = Kysely<Database>;

/** A stored signing key. */
export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  publicJwk: string;
  sealedPrivateKey: string;
  createdAt: Date;
  retiredAt: Date | null;
}

function toStored(row: SigningKeysTable): StoredSigningKey {
  return {
    kid: row.kid,
    algorithm: row.algorithm,
    publicJwk: row.public_jwk,
    sealedPrivateKey: row.private_key,
    createdAt: fromEpochMs(row.created_at),
    retiredAt: fromNullableEpochMs(row.retired_at),
  };
}

/** Every key of `algorithm`, newest first (the first unretired one signs). */
export async function listSigningKeys(db: Db, algorithm?: string): Promise<StoredSigningKey[]> {
  let query = db.selectFrom("signing_keys").selectAll();
  if (algorithm !== undefined) query = query.where("algorithm", "=", algorithm);
  const rows = await query.orderBy("created_at", "desc").orderBy("kid", "desc").execute();
  return rows.map(toStored);
}

/** Stores a new key; false when its kid exists already (a thumbprint names one key). */
export async function addSigningKey(
  db: Db,
  key: { kid: string; algorithm: string; publicJwk: string; sealedPrivateKey: string },
  nowMs: number,
): Promise<boolean> {
  const result = await db
    .insertInto("signing_keys")
    .values({
      kid: key.kid,
      algorithm: key.algorithm,
      public_jwk: key.publicJwk,
      private_key: key.sealedPrivateKey,
      created_at: toEpochMs(nowMs),
      retired_at: null,
    })
    .onConflict((oc) => oc.column("kid").doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Retires every signing key of `algorithm` but `keepKid` (one statement). */
export async function retireSigningKeys(
  db: Db,
  algorithm: string,
  keepKid: string,
  nowMs: number,
): Promise<number> {
  const result = await db
    .updateTable("signing_keys")
    .set({ retired_at: toEpochMs(nowMs) })
    .where("algorithm", "=", algorithm)
    .where("kid", "!=", keepKid)
    .where("retired_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Replaces a key's sealed private half (sealed again under a new key-encryption key). */
export async function resealSigningKey(
  db: Db,
  kid: string,
  sealedPrivateKey: string,
): Promise<void> {
  await db
    .updateTable("signing_keys")
    .set({ private_key: sealedPrivateKey })
    .where("kid", "=", kid)
    .execute();
}

/** Deletes keys retired at or before `retiredBeforeMs`; the kids deleted. */
export async function deleteRetiredSigningKeys(db: Db, retiredBeforeMs: number): Promise<string[]> {
  const rows = await db
    .deleteFrom("signing_keys")
    .where("retired_at", "is not", null)
    .where("retired_at", "<=", toEpochMs(retiredBeforeMs))
    .returning("kid")
    .execute();
  return rows.map((row) => row.kid);
}
