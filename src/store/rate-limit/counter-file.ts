/**
 * The failure counters' own SQLite file, beside the main one (issue 20 item 1): every sign-in
 * writes its counters twice (the reservation, then the give-back), and with the main file's
 * `synchronous = FULL` each was an fsync on the sign-in's path. Counters may be lost in a power
 * cut (a lost failure count costs an attacker's guess or two; never a crash: WAL with
 * `synchronous = NORMAL` keeps every commit through a process crash), so they get `NORMAL`.
 * Passwords, sessions, locks and the audit chain stay in the main file with `FULL`.
 * The store runs its statements on the file's connection itself (`sqlite-file.ts`).
 */
import { DEFAULT_SQLITE_BUSY_TIMEOUT_MS, parseDatabaseUrl } from "../database.js";
import { openSqliteConnection } from "../sqlite-driver.js";
import { createSqliteFileRateLimitStore } from "./sqlite-file.js";
import type { RateLimitStore } from "./types.js";

/**
 * The table of migration 0005, made here when the file is new (`if not exists`: another process
 * on the same file may make it first), `without rowid`: the rows live in the key's own b-tree,
 * so a commit writes one page fewer than with a separate key index. A file made before keeps
 * its table; the statements are the same for both.
 */
const COUNTER_FILE_SCHEMA = `
  create table if not exists "rate_limit_counters" ("key" text primary key,
    "failures" integer not null, "locked_until_ms" integer not null,
    "expires_at_ms" integer not null) without rowid;
  create index if not exists "rate_limit_counters_expires_at_ms"
    on "rate_limit_counters" ("expires_at_ms");`;

/** The open counter file: its store, and how to close the file. */
export interface CounterFile {
  store: RateLimitStore;
  close(): void;
}

/**
 * The counter file's path for a main SQLite database URL (`<file>-counters`), or null when the
 * main database is PostgreSQL or in memory (the counters then stay in it).
 */
export function counterFilePath(databaseUrl: string | undefined): string | null {
  const location = parseDatabaseUrl(databaseUrl);
  if (location.dialect !== "sqlite" || location.path === ":memory:") return null;
  return `${location.path}-counters`;
}

/** Opens (and creates) the counter file with `synchronous = NORMAL`, and its store. */
export function openCounterFile(path: string): CounterFile {
  const raw = openSqliteConnection(path, {
    busyTimeoutMs: DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
    synchronous: "NORMAL",
  });
  try {
    raw.exec(COUNTER_FILE_SCHEMA);
    return { store: createSqliteFileRateLimitStore(raw), close: () => raw.close() };
  } catch (error) {
    raw.close();
    throw error;
  }
}
