/**
 * The failure counters of the login and TOTP limits, for deployments without Redis (issue 14
 * item 6: a restart, deploy or crash must not clear every lock). See store/rate-limit/database.ts.
 */
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Creates `rate_limit_counters` and the index its sweep uses. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  await db.schema
    .createTable("rate_limit_counters")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("failures", "integer", (c) => c.notNull())
    .addColumn("locked_until_ms", t.bigintType, (c) => c.notNull())
    .addColumn("expires_at_ms", t.bigintType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("rate_limit_counters_expires_at_ms")
    .on("rate_limit_counters")
    .column("expires_at_ms")
    .execute();
}

/** Drops the table. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("rate_limit_counters").execute();
}
