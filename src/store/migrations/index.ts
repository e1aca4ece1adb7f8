/**
 * Versioned migrations, imported statically (not read from a folder at run time) so they work
 * the same from `dist/` and from `tsx`. Names sort in the order they run; never rename one.
 */
import { Migrator } from "kysely";
import type { Kysely, Migration, MigrationProvider } from "kysely";
import { InternalError } from "../../core/errors.js";
import * as initialSchema from "./0001-initial-schema.js";

/** Every migration by name, in order. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  "0001-initial-schema": initialSchema,
});

/** Table that records which migrations ran. */
export const MIGRATION_TABLE = "tessera_migrations";
/** Table that holds Kysely's migration lock row. */
export const MIGRATION_LOCK_TABLE = "tessera_migrations_lock";

/** Kysely's provider over `MIGRATIONS`. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};

/** A Kysely `Migrator` over Tessera's migrations and tables. */
export function createMigrator(db: Kysely<unknown>): Migrator {
  return new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

/**
 * Runs every pending migration (all in one transaction on both dialects; concurrent callers on
 * PostgreSQL wait on an advisory lock) and returns the names it ran: `[]` when up to date.
 * Throws `InternalError` (with the driver error as `cause`) when a migration fails.
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const { error, results = [] } = await createMigrator(db).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === "Error")?.migrationName;
    throw new InternalError(
      failed === undefined ? "Database migration failed" : `Database migration ${failed} failed`,
      { cause: error },
    );
  }
  return results.filter((r) => r.status === "Success").map((r) => r.migrationName);
}
