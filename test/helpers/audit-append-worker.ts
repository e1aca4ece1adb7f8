/**
 * A second process appending audit events (`tsx audit-append-worker.ts URL COUNT TAG`): two of
 * these at once on one SQLite file are two instances racing for the chain's head.
 */
import { appendAuditEvent, createDatabase } from "../../src/store/index.js";

const [url, count, tag] = process.argv.slice(2);
const database = await createDatabase(url);
try {
  for (let i = 0; i < Number(count); i += 1) {
    await appendAuditEvent(database.db, {
      event: "login_succeeded",
      detail: { tag, i },
      atMs: Date.UTC(2026, 0, 1) + i,
    });
  }
} finally {
  await database.destroy();
}
