/**
 * Copies of an SQLite database through SQLite's online backup API (better-sqlite3's
 * `backup()`): a consistent snapshot while other connections and processes keep writing (the
 * copy restarts its pages when the source changes underneath), WAL included. PostgreSQL is
 * backed up with its own tools (pg_dump / pg_restore).
 */
import { existsSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import { MIGRATION_TABLE } from "./migrations/index.js";

/** Copies the live database at `sourcePath` to `destinationPath` (created or replaced). */
export async function backupSqliteFile(sourcePath: string, destinationPath: string): Promise<void> {
  const source = new BetterSqlite3(sourcePath, { fileMustExist: true, readonly: true });
  try {
    await source.backup(destinationPath);
  } finally {
    source.close();
  }
}

/**
 * Whether `path` holds no Tessera data: no file, no users table, or no users and no audit
 * events. Throws the driver's error for a file that is not a database.
 */
export function isSqliteDatabaseEmpty(path: string): boolean {
  if (!existsSync(path)) return true;
  const db = new BetterSqlite3(path, { fileMustExist: true, readonly: true });
  try {
    const tables = new Set(
      (
        db.prepare("select name from sqlite_master where type = 'table'").all() as {
          name: string;
        }[]
      ).map((t) => t.name),
    );
    const count = (table: string) =>
      tables.has(table)
        ? (db.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n
        : 0;
    return count("users") === 0 && count("audit_events") === 0;
  } finally {
    db.close();
  }
}

/**
 * Checks that `backupPath` is an intact Tessera database (`PRAGMA integrity_check`, a migration
 * table), then copies it over `targetPath` with the backup API. Stop the servers first.
 * @throws Error naming what is wrong with the backup.
 */
export async function restoreSqliteFile(backupPath: string, targetPath: string): Promise<void> {
  const backup = new BetterSqlite3(backupPath, { fileMustExist: true, readonly: true });
  try {
    const integrity = backup.pragma("integrity_check", { simple: true });
    if (integrity !== "ok")
      throw new Error(`The backup is damaged (integrity_check: ${String(integrity)})`);
    const migrations = backup
      .prepare("select count(*) as n from sqlite_master where type = 'table' and name = ?")
      .get(MIGRATION_TABLE) as { n: number };
    if (migrations.n === 0)
      throw new Error("The file is not a Tessera database (no migration table)");
    await backup.backup(targetPath);
  } finally {
    backup.close();
  }
}
