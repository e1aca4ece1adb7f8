/**
 * The audit hash chain on both dialects: every append links to the one before, a row changed,
 * removed or cut off with SQL is found, retention leaves a verifiable chain, and appends from two
 * connections at once (the worst interleaving: two instances) never fork it.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { sql } from "kysely";
import { expect, it } from "vitest";
import {
  appendAuditEvent,
  createDatabase,
  createMigrator,
  deleteAuditEventsBefore,
  migrateToLatest,
  verifyAuditChain,
  writeAuditCheckpoint,
} from "../../src/store/index.js";
import { openTestDatabase } from "../helpers/database.js";
import { describeStore } from "../helpers/store.js";

const T0 = Date.UTC(2026, 0, 1);
const run = promisify(execFile);

describeStore("the audit chain", (ctx) => {
  async function appendMany(count: number, startMs = T0): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      await appendAuditEvent(ctx.db, {
        event: "login_failed",
        userId: null,
        ip: "192.0.2.1",
        detail: { attempt: i, nested: { b: 1, a: [i, "x"] } },
        atMs: startMs + i * 60_000,
      });
    }
  }

  it("verifies an untouched chain and reports its head", async () => {
    await appendMany(5);
    const report = await verifyAuditChain(ctx.db);
    expect(report).toMatchObject({ ok: true, checked: 5, firstSeq: 1, lastSeq: 5, headSeq: 5 });
    expect(report.headHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("finds a row edited with SQL, naming the first broken link", async () => {
    await appendMany(6);
    await sql`update audit_events set ip = '203.0.113.9' where seq = 3`.execute(ctx.db);
    const report = await verifyAuditChain(ctx.db);
    expect(report.ok).toBe(false);
    expect(report.broken).toMatchObject({ seq: 3, reason: expect.stringContaining("changed") });
  });

  it("finds a changed detail even when its hash was recomputed for that row alone", async () => {
    await appendMany(4);
    await sql`update audit_events set hash = ${"0".repeat(64)} where seq = 2`.execute(ctx.db);
    const report = await verifyAuditChain(ctx.db);
    expect(report.broken?.seq).toBe(2);
  });

  it("finds a removed event and removed newest events", async () => {
    await appendMany(5);
    await sql`delete from audit_events where seq = 2`.execute(ctx.db);
    expect((await verifyAuditChain(ctx.db)).broken).toMatchObject({
      seq: 3,
      reason: "event(s) 2..2 are missing",
    });
    await sql`delete from audit_events where seq >= 2`.execute(ctx.db);
    expect((await verifyAuditChain(ctx.db)).broken).toMatchObject({
      seq: 5,
      reason: "the newest event(s) after seq 1 are missing",
    });
  });

  it("still verifies after retention removed old events behind a checkpoint", async () => {
    await appendMany(10); // minutes 0..9
    const deleted = await deleteAuditEventsBefore(ctx.db, T0 + 4 * 60_000, T0 + 3_600_000);
    expect(deleted).toBe(4);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, firstSeq: 5, checked: 6 });
    await writeAuditCheckpoint(ctx.db, T0 + 3_600_000);
    await appendMany(2, T0 + 3_600_000);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, lastSeq: 12 });
    // Without the retention checkpoint the cut is visible.
    await sql`delete from audit_checkpoints where seq = 4`.execute(ctx.db);
    expect((await verifyAuditChain(ctx.db)).broken?.seq).toBe(5);
  });

  it("leaves events an older version wrote during a rolling upgrade outside the chain", async () => {
    await appendMany(2);
    await sql`insert into audit_events (at, user_id, event, ip, user_agent, detail)
      values (${T0}, ${null}, ${"login_succeeded"}, ${null}, ${null}, ${"{}"})`.execute(ctx.db);
    await appendMany(2);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, checked: 4, unchained: 1 });
    // Taking a chained event out of the chain the same way is a gap.
    await sql`update audit_events set seq = null where seq = 2`.execute(ctx.db);
    expect((await verifyAuditChain(ctx.db)).broken).toMatchObject({ seq: 3 });
  });

  it("never forks when two connections or processes append at once", async () => {
    if (ctx.dialect === "postgres") {
      // Two pools: real concurrent transactions queueing on the head row.
      const other = await createDatabase(ctx.database.url);
      try {
        const append = (db: typeof ctx.db, i: number) =>
          appendAuditEvent(db, { event: "login_succeeded", detail: { i }, atMs: T0 + i });
        await Promise.all(
          Array.from({ length: 60 }, (_, i) => append(i % 2 === 0 ? ctx.db : other.db, i)),
        );
      } finally {
        await other.destroy();
      }
    } else {
      // SQLite: one process's connections share its thread (a synchronous busy wait would block
      // the holder), so the race is two processes on one file, as two instances would be.
      const worker = fileURLToPath(new URL("../helpers/audit-append-worker.ts", import.meta.url));
      const tsx = join(process.cwd(), "node_modules/.bin/tsx");
      await Promise.all(["a", "b"].map((tag) => run(tsx, [worker, ctx.database.url, "30", tag])));
    }
    const seqs = (
      await ctx.db.selectFrom("audit_events").select("seq").orderBy("seq").execute()
    ).map((r) => Number(r.seq));
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, checked: 60 });
  });
});

describeStore("the audit chain migration", { database: false }, ({ dialect }) => {
  it("chains the events written before it", async () => {
    const database = await openTestDatabase(dialect);
    try {
      await createMigrator(database.db).migrateTo("0001-initial-schema");
      for (const event of ["user_created", "login_succeeded", "logout_all"]) {
        await sql`insert into audit_events (at, user_id, event, ip, user_agent, detail)
          values (${T0}, ${null}, ${event}, ${"192.0.2.1"}, ${null}, ${'{"b":2,"a":1}'})`.execute(
          database.db,
        );
      }
      await migrateToLatest(database.db);
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 3 });
      await appendAuditEvent(database.db, { event: "logout_all", atMs: T0 });
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 4 });
    } finally {
      await database.cleanup();
    }
  });
});
