/**
 * The failure counters' own SQLite file, beside the main one (issue 20 item 1): every sign-in
 * writes its counters twice (the reservation, then the give-back), and with the main file's
 * `synchronous = FULL` each was an fsync on the sign-in's path. Counters may be lost in a power
 * cut (a lost failure count costs an attacker's guess or two; never a crash: WAL with
 * `synchronous = NORMAL` keeps every commit through a process crash), so they get `NORMAL`.
 * Passwords, sessions, locks and the audit chain stay in the main file with `FULL`.
 * The table is the one of migration 0005, made here when the file is new.
 */
import { sql } from "kysely";
import type { Kysely } from "kysely";
import { createDatabase, parseDatabaseUrl, type TesseraDatabase } from "../database.js";
import * as rateLimitCounters from "../migrations/0005-rate-limit-counters.js";

/**
 * The counter file's path for a main SQLite database URL (`<file>-counters`), or null when the
 * main database is PostgreSQL or in memory (the counters then stay in it).
 */
export function counterFilePath(databaseUrl: string | undefined): string | null {
  const location = parseDatabaseUrl(databaseUrl);
  if (location.dialect !== "sqlite" || location.path === ":memory:") return null;
  return `${location.path}-counters`;
}

/** Opens (and creates) the counter file with `synchronous = NORMAL`. */
export async function openCounterFile(path: string): Promise<TesseraDatabase> {
  const database = await createDatabase(path, { synchronous: "NORMAL" });
  const hasTable = async () =>
    (
      await sql<{ name: string }>`select name from sqlite_master
        where type = 'table' and name = 'rate_limit_counters'`.execute(database.db)
    ).rows.length > 0;
  try {
    if (!(await hasTable())) {
      try {
        await database.db
          .transaction()
          .execute((trx) => rateLimitCounters.up(trx as unknown as Kysely<unknown>));
      } catch (error) {
        // Another process on the same file made it first.
        if (!(await hasTable())) throw error;
      }
    }
    return database;
  } catch (error) {
    await database.destroy();
    throw error;
  }
}
