/**
 * Audit appends per second, SQLite and PostgreSQL: the hash-chained `appendAuditEvent` (one
 * transaction: advance the head row, insert, update the head) beside a plain single-row insert
 * into the same table (what an unchained append cost), so the ratio is the chain's price; and
 * the chained append from 8 concurrent callers on PostgreSQL (they queue on the head row).
 *
 *   npx tsx bench/audit.ts        (TESSERA_BENCH_SECONDS=2 per measurement)
 *
 * Run it alone; it is never part of the test suite.
 */
import { appendAuditEvent } from "../src/store/index.js";
import { TEST_DIALECTS, openTestDatabase } from "../test/helpers/database.js";

const SECONDS = Number(process.env.TESSERA_BENCH_SECONDS ?? 2);

async function rate(concurrency: number, step: () => Promise<void>): Promise<number> {
  const end = Date.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await step();
        done += 1;
      }
    }),
  );
  return done / SECONDS;
}

for (const dialect of TEST_DIALECTS) {
  const database = await openTestDatabase(dialect);
  try {
    const event = () => ({
      event: "login_succeeded",
      userId: "5b0d2f1e-8a4b-4e0c-9d7f-6f9f978015de",
      ip: "192.0.2.1",
      userAgent: "bench",
      detail: { factor: "password" },
      atMs: Date.now(),
    });
    const plain = await rate(1, async () => {
      await database.db
        .insertInto("audit_events")
        .values({
          at: Date.now(),
          user_id: "5b0d2f1e-8a4b-4e0c-9d7f-6f9f978015de",
          actor_id: null,
          event: "login_succeeded",
          ip: "192.0.2.1",
          user_agent: "bench",
          detail: '{"factor":"password"}',
          seq: -Math.floor(Math.random() * 1e15),
          prev_hash: "",
          hash: "",
        })
        .execute();
    });
    await database.db.deleteFrom("audit_events").where("seq", "<", 0).execute();
    const chained = await rate(1, () => appendAuditEvent(database.db, event()));
    const parallel =
      dialect === "postgres" ? await rate(8, () => appendAuditEvent(database.db, event())) : null;
    console.log(
      `${dialect}: plain insert ${plain.toFixed(0)}/s, chained append ${chained.toFixed(0)}/s ` +
        `(${((100 * chained) / plain).toFixed(0)}% of plain)` +
        (parallel === null ? "" : `, chained with 8 callers ${parallel.toFixed(0)}/s`),
    );
  } finally {
    await database.cleanup();
  }
}
