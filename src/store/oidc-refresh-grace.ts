/**
 * The `oidc_refresh_grace` table: the refresh tokens used in the last few seconds, with the
 * answer their refresh got (sealed), so that a concurrent refresh with the same token from the
 * same client gets the same successor instead of revoking the grant (issue 21 item 2).
 */
import type { Kysely } from "kysely";
import { toEpochMs } from "./columns.js";
import type { Database } from "./schema.js";

type Db = Kysely<Database>;

/** A refresh in the grace. */
export interface RefreshGrace {
  clientId: string;
  /** The sealed answer; null while the first refresh runs. */
  sealedResponse: string | null;
  expiresAtMs: number;
}

/**
 * Claims the first use of a token (by its digest): true when this call is the first, false
 * when another refresh with the same token claimed it (and its row has not expired).
 */
export async function claimRefreshGrace(
  db: Db,
  tokenHash: string,
  clientId: string,
  nowMs: number,
  untilMs: number,
): Promise<boolean> {
  await db
    .deleteFrom("oidc_refresh_grace")
    .where("token_hash", "=", tokenHash)
    .where("expires_at", "<=", toEpochMs(nowMs))
    .execute();
  const result = await db
    .insertInto("oidc_refresh_grace")
    .values({
      token_hash: tokenHash,
      client_id: clientId,
      sealed_response: null,
      created_at: toEpochMs(nowMs),
      expires_at: toEpochMs(untilMs),
    })
    .onConflict((oc) => oc.column("token_hash").doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** The grace row of a token, or undefined. */
export async function getRefreshGrace(
  db: Db,
  tokenHash: string,
): Promise<RefreshGrace | undefined> {
  const row = await db
    .selectFrom("oidc_refresh_grace")
    .select(["client_id", "sealed_response", "expires_at"])
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : {
        clientId: row.client_id,
        sealedResponse: row.sealed_response,
        expiresAtMs: Number(row.expires_at),
      };
}

/** Stores the first refresh's sealed answer. */
export async function completeRefreshGrace(
  db: Db,
  tokenHash: string,
  sealedResponse: string,
): Promise<void> {
  await db
    .updateTable("oidc_refresh_grace")
    .set({ sealed_response: sealedResponse })
    .where("token_hash", "=", tokenHash)
    .execute();
}

/** Forgets a claim (the first refresh failed: the others try for themselves). */
export async function dropRefreshGrace(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom("oidc_refresh_grace").where("token_hash", "=", tokenHash).execute();
}

/** Deletes the rows past their grace; how many. */
export async function sweepRefreshGrace(db: Db, nowMs: number): Promise<number> {
  const result = await db
    .deleteFrom("oidc_refresh_grace")
    .where("expires_at", "<=", toEpochMs(nowMs))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
