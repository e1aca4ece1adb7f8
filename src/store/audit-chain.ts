/**
 * Checking and keeping the audit chain: `verifyAuditChain` walks every stored event in `seq`
 * order and reports the first broken link; `writeAuditCheckpoint` records where the chain is;
 * `deleteAuditEventsBefore` removes old events for retention, leaving a checkpoint at the cut so
 * the rest still verifies; `readAuditEventsSince` pages through events for an export.
 */
import type { Kysely, Selectable } from "kysely";
import { AUDIT_CHAIN_GENESIS, auditEventHash } from "../core/audit-chain.js";
import { AUDIT_CHAIN_HEAD_ID, toAuditEvent, type AuditEvent } from "./audit.js";
import { toEpochMs } from "./columns.js";
import type { AuditEventsTable, Database } from "./schema.js";

type Db = Kysely<Database>;

/** Events read per query while walking the chain. */
const PAGE = 1_000;

/** The first problem `verifyAuditChain` found. */
export interface AuditChainBreak {
  /** The event's chain position (for a removed newest event: the head's). */
  seq: number;
  /** Its row id, when the row exists. */
  id: number | null;
  reason: string;
}

/** What `verifyAuditChain` found. */
export interface AuditChainReport {
  ok: boolean;
  /** Events whose links were checked. */
  checked: number;
  /** Where the stored events start and end (0 when none). */
  firstSeq: number;
  lastSeq: number;
  /** Events without a chain position: written by an instance older than the chain during a
   * rolling upgrade. Outside the chain, so not evidence of anything; removing a chained event's
   * position instead shows as a gap. */
  unchained: number;
  /** The head's seq and hash: write them down elsewhere to detect a rewritten chain later. */
  headSeq: number;
  headHash: string;
  broken: AuditChainBreak | null;
}

/** A stored event with its chain fields, as an export writes it. */
export interface ChainedAuditEvent extends AuditEvent {
  prevHash: string;
  hash: string;
}

function rawDetail(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

function recompute(row: Selectable<AuditEventsTable>): string {
  return auditEventHash(row.prev_hash, {
    seq: Number(row.seq),
    atMs: Number(row.at),
    userId: row.user_id,
    actorId: row.actor_id,
    event: row.event,
    ip: row.ip,
    userAgent: row.user_agent,
    detail: rawDetail(row.detail),
  });
}

/** Walks the whole chain; stops at the first broken link. */
export async function verifyAuditChain(db: Db): Promise<AuditChainReport> {
  const head = await db
    .selectFrom("audit_chain_head")
    .select(["seq", "hash"])
    .where("id", "=", AUDIT_CHAIN_HEAD_ID)
    .executeTakeFirst();
  const headSeq = Number(head?.seq ?? 0);
  const headHash = head?.hash ?? AUDIT_CHAIN_GENESIS;
  const checkpoints = new Map(
    (await db.selectFrom("audit_checkpoints").select(["seq", "hash"]).execute()).map((c) => [
      Number(c.seq),
      c.hash,
    ]),
  );
  const unchained = await db
    .selectFrom("audit_events")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("seq", "is", null)
    .executeTakeFirst();
  const report: AuditChainReport = {
    ok: true,
    checked: 0,
    unchained: Number(unchained?.n ?? 0),
    firstSeq: 0,
    lastSeq: 0,
    headSeq,
    headHash,
    broken: null,
  };
  const fail = (seq: number, id: number | null, reason: string): AuditChainReport => ({
    ...report,
    ok: false,
    broken: { seq, id, reason },
  });

  let previous: { seq: number; hash: string } | null = null;
  for (;;) {
    let query = db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", "is not", null)
      .orderBy("seq")
      .limit(PAGE);
    if (previous !== null) query = query.where("seq", ">", previous.seq);
    const rows = await query.execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      const id = Number(row.id);
      if (previous === null) {
        report.firstSeq = seq;
        // The chain starts at 1, or just after a checkpoint (retention removed what was before).
        const anchor = seq === 1 ? AUDIT_CHAIN_GENESIS : checkpoints.get(seq - 1);
        if (anchor === undefined) {
          return fail(
            seq,
            id,
            `events before seq ${seq} are missing (no checkpoint at ${seq - 1})`,
          );
        }
        if (row.prev_hash !== anchor) {
          return fail(seq, id, "its previous-hash does not match the start of the chain");
        }
      } else {
        if (seq !== previous.seq + 1) {
          return fail(seq, id, `event(s) ${previous.seq + 1}..${seq - 1} are missing`);
        }
        if (row.prev_hash !== previous.hash) {
          return fail(seq, id, `its previous-hash does not match event ${previous.seq}`);
        }
      }
      if (recompute(row) !== row.hash) {
        return fail(seq, id, "its content does not match its hash (the row was changed)");
      }
      const checkpoint = checkpoints.get(seq);
      if (checkpoint !== undefined && checkpoint !== row.hash) {
        return fail(seq, id, "its hash differs from the checkpoint recorded for it");
      }
      previous = { seq, hash: row.hash };
      report.checked += 1;
      report.lastSeq = seq;
    }
    if (rows.length < PAGE) break;
  }
  if (previous === null) {
    // No events: fine if none were ever written or retention removed them all at a checkpoint.
    if (headSeq === 0 || checkpoints.get(headSeq) === headHash) return report;
    return fail(headSeq, null, "every event is missing");
  }
  if (previous.seq !== headSeq || previous.hash !== headHash) {
    return fail(headSeq, null, `the newest event(s) after seq ${previous.seq} are missing`);
  }
  return report;
}

/** Records the chain's current head as a checkpoint (once per seq); returns it. */
export async function writeAuditCheckpoint(
  db: Db,
  nowMs: number,
): Promise<{ seq: number; hash: string }> {
  const head = await db
    .selectFrom("audit_chain_head")
    .select(["seq", "hash"])
    .where("id", "=", AUDIT_CHAIN_HEAD_ID)
    .executeTakeFirst();
  const seq = Number(head?.seq ?? 0);
  const hash = head?.hash ?? AUDIT_CHAIN_GENESIS;
  await db
    .insertInto("audit_checkpoints")
    .values({ seq, hash, at: toEpochMs(nowMs) })
    .onConflict((oc) => oc.column("seq").doNothing())
    .execute();
  return { seq, hash };
}

/**
 * Deletes the events older than `cutoffMs` (retention): everything before the first event at
 * or after `cutoffMs` in chain order, after a checkpoint at the last one deleted, in one transaction.
 * Returns how many were deleted.
 */
export async function deleteAuditEventsBefore(
  db: Db,
  cutoffMs: number,
  nowMs: number,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const keep = await trx
      .selectFrom("audit_events")
      .select((eb) => eb.fn.min("seq").as("seq"))
      .where("at", ">=", toEpochMs(cutoffMs))
      .executeTakeFirst();
    const last = await trx
      .selectFrom("audit_events")
      .select(["seq", "hash"])
      .where("seq", "<", keep?.seq ?? Number.MAX_SAFE_INTEGER)
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    if (last === undefined) return 0;
    await trx
      .insertInto("audit_checkpoints")
      .values({ seq: Number(last.seq), hash: last.hash, at: toEpochMs(nowMs) })
      .onConflict((oc) => oc.column("seq").doNothing())
      .execute();
    const result = await trx
      .deleteFrom("audit_events")
      .where("seq", "<=", Number(last.seq))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  });
}

/** Events at or after `sinceMs`, oldest first, a page after `afterSeq`. */
export async function readAuditEventsSince(
  db: Db,
  sinceMs: number,
  afterSeq = 0,
  limit = PAGE,
): Promise<ChainedAuditEvent[]> {
  const rows = await db
    .selectFrom("audit_events")
    .selectAll()
    .where("at", ">=", toEpochMs(sinceMs))
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...toAuditEvent(row), prevHash: row.prev_hash, hash: row.hash }));
}
