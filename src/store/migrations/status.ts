/**
 * Which migrations a database has had, and a guard against running on a schema newer than this
 * build (an instance left on the old version while another one migrated forward).
 */
import { sql, type Kysely } from "kysely";
import { MIGRATIONS, MIGRATION_TABLE, createMigrator } from "./index.js";

/** One migration as `tessera migrate --status` shows it. */
export interface MigrationState {
  name: string;
  /** When it ran; null while pending. */
  executedAt: Date | null;
  /** Applied by a newer Tessera: this build does not know it. */
  unknown: boolean;
}

/** Thrown at start when the database has migrations this build does not know. */
export class SchemaTooNewError extends Error {
  readonly unknownMigrations: readonly string[];
  constructor(unknownMigrations: readonly string[]) {
    super(
      `The database was migrated by a newer Tessera (unknown migrations: ${unknownMigrations.join(", ")}). ` +
        "Refusing to start: upgrade this instance to the version that ran them (migrations only go forward).",
    );
    this.name = "SchemaTooNewError";
    this.unknownMigrations = unknownMigrations;
  }
}

/** The applied migrations (name → time), read without creating the migration table. */
async function readApplied<DB>(db: Kysely<DB>): Promise<Map<string, Date>> {
  const tables = await db.introspection.getTables();
  if (!tables.some((t) => t.name === MIGRATION_TABLE)) return new Map();
  const { rows } = await sql<{ name: string; timestamp: string | Date }>`
    select name, timestamp from ${sql.table(MIGRATION_TABLE)} order by name`.execute(db);
  return new Map(rows.map((r) => [r.name, new Date(r.timestamp)]));
}

/** Every known migration (applied or pending) in order, then any unknown applied ones. */
export async function getMigrationStatus<DB>(db: Kysely<DB>): Promise<MigrationState[]> {
  const applied = await readApplied(db);
  const known: MigrationState[] = Object.keys(MIGRATIONS).map((name) => ({
    name,
    executedAt: applied.get(name) ?? null,
    unknown: false,
  }));
  const unknown = [...applied]
    .filter(([name]) => !Object.hasOwn(MIGRATIONS, name))
    .map(([name, executedAt]) => ({ name, executedAt, unknown: true }));
  return [...known, ...unknown];
}

/** Names of the migrations not yet run on `db` (`[]` when it is up to date). */
export async function pendingMigrations<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrations = await createMigrator(db).getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** @throws SchemaTooNewError when the database has migrations this build does not know. */
export async function assertSchemaNotNewer<DB>(db: Kysely<DB>): Promise<void> {
  const unknown = (await getMigrationStatus(db)).filter((m) => m.unknown).map((m) => m.name);
  if (unknown.length > 0) throw new SchemaTooNewError(unknown);
}
