/**
 * Token-signing keys for EdDSA and ES256 (issue 13): one row per key, the newest unretired one
 * signs; retired ones keep verifying until the longest token they signed has expired.
 */
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Creates `signing_keys`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  await db.schema
    .createTable("signing_keys")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("algorithm", "text", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("private_key", "text", (c) => c.notNull())
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("retired_at", t.bigintType)
    .execute();
}

/** Drops `signing_keys`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("signing_keys").execute();
}
