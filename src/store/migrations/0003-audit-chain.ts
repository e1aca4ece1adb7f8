/**
 * The audit trail becomes a hash chain (core/audit-chain.ts): every event gets a gapless
 * sequence number `seq`, the actor (`actor_id`), the previous event's hash and its own.
 * `audit_chain_head` is the one row appends lock and advance (so two instances appending at
 * once queue on it instead of forking the chain); `audit_checkpoints` keeps (seq, hash) pairs
 * written by the daily sweep, which is also where the chain may start after old events are
 * removed by retention. Existing events are chained in id order here.
 */
import { sql } from "kysely";
import type { Kysely } from "kysely";
import { AUDIT_CHAIN_GENESIS, auditEventHash } from "../../core/audit-chain.js";
import { capabilitiesOf } from "../dialect.js";

interface OldRow {
  id: number | string;
  at: number | string;
  user_id: string | null;
  event: string;
  ip: string | null;
  user_agent: string | null;
  detail: unknown;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  for (const [name, type] of [
    ["seq", t.bigintType],
    ["actor_id", "text"],
    ["prev_hash", "text"],
    ["hash", "text"],
  ] as const) {
    await db.schema.alterTable("audit_events").addColumn(name, type).execute();
  }

  await db.schema
    .createTable("audit_chain_head")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("seq", t.bigintType, (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("audit_checkpoints")
    .addColumn("seq", t.bigintType, (c) => c.primaryKey())
    .addColumn("hash", "text", (c) => c.notNull())
    .addColumn("at", t.bigintType, (c) => c.notNull())
    .execute();

  // Chain what is already there, oldest first.
  const { rows } = await sql<OldRow>`select id, at, user_id, event, ip, user_agent, detail
    from audit_events order by id`.execute(db);
  let seq = 0;
  let hash = AUDIT_CHAIN_GENESIS;
  for (const row of rows) {
    seq += 1;
    const detail: unknown = typeof row.detail === "string" ? JSON.parse(row.detail) : row.detail;
    const previous = hash;
    hash = auditEventHash(previous, {
      seq,
      atMs: Number(row.at),
      userId: row.user_id,
      actorId: row.user_id,
      event: row.event,
      ip: row.ip,
      userAgent: row.user_agent,
      detail,
    });
    await sql`update audit_events set seq = ${seq}, actor_id = ${row.user_id},
      prev_hash = ${previous}, hash = ${hash} where id = ${row.id}`.execute(db);
  }
  await sql`insert into audit_chain_head (id, seq, hash) values (1, ${seq}, ${hash})`.execute(db);

  await db.schema
    .createIndex("audit_events_seq_unique")
    .on("audit_events")
    .column("seq")
    .unique()
    .execute();
  await db.schema
    .createIndex("audit_events_actor_id")
    .on("audit_events")
    .columns(["actor_id", "id"])
    .execute();
  await db.schema.createIndex("audit_events_at").on("audit_events").column("at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("audit_events_at").execute();
  await db.schema.dropIndex("audit_events_actor_id").execute();
  await db.schema.dropIndex("audit_events_seq_unique").execute();
  await db.schema.dropTable("audit_checkpoints").execute();
  await db.schema.dropTable("audit_chain_head").execute();
  for (const name of ["hash", "prev_hash", "actor_id", "seq"]) {
    await db.schema.alterTable("audit_events").dropColumn(name).execute();
  }
}
