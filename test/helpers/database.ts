/**
 * Fresh test databases for every dialect (STYLE principle 14): `openTestDatabase("sqlite")`
 * makes a temporary SQLite file, `openTestDatabase("postgres")` a new PostgreSQL database
 * `tessera_t_…` (vitest runs files in parallel, so names are unique); both are migrated, and
 * `cleanup()` closes and deletes them. `TEST_DIALECTS` lists the dialects to run.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import {
  createDatabase,
  migrateToLatest,
  type Database,
  type DialectName,
  type TesseraDatabase,
} from "../../src/store/index.js";
import type { Kysely } from "kysely";

/** A dialect the store suite runs on. */
export type TestDialect = DialectName;

/** The PostgreSQL server (and maintenance database) test databases are created from. */
export const TEST_POSTGRES_URL =
  process.env.TESSERA_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** How long the reachability probe waits for PostgreSQL before skipping its tests. */
const PROBE_TIMEOUT_MS = 3_000;
/** Leftover test databases (a killed run) older than this are dropped by the next run. */
const STALE_DATABASE_AGE_MS = 6 * 60 * 60 * 1_000;
const DATABASE_PREFIX = "tessera_t_";

/** A migrated test database, its URL (for a second connection) and how to delete it. */
export interface TestDatabase extends TesseraDatabase {
  /** URL of this very database: `createDatabase(url)` opens another connection to it. */
  url: string;
  /** Closes the connection and deletes the file or drops the database. */
  cleanup(): Promise<void>;
}

const inCi = /^(1|true|yes)$/i.test(process.env.CI ?? "");

/**
 * The dialects to run: always SQLite; PostgreSQL when it answers, or always in CI
 * (`CI=true`), where an unreachable server must fail the run rather than skip it.
 */
export const TEST_DIALECTS: readonly TestDialect[] = await resolveTestDialects();

async function resolveTestDialects(): Promise<TestDialect[]> {
  if (inCi) return ["sqlite", "postgres"];
  const problem = await probePostgres();
  if (problem === undefined) return ["sqlite", "postgres"];
  console.warn(
    `[tessera tests] PostgreSQL tests skipped: cannot connect to ${redact(TEST_POSTGRES_URL)} ` +
      `(${problem}). Start PostgreSQL or set TESSERA_TEST_DATABASE_URL; in CI (CI=true) they run and fail instead.`,
  );
  return ["sqlite"];
}

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: TEST_POSTGRES_URL,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** Opens a fresh, migrated database of `dialect`; call `cleanup()` when done (afterAll). */
export async function openTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  return dialect === "sqlite" ? openSqlite() : openPostgres();
}

async function openSqlite(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), "tessera-t-"));
  const url = join(dir, "tessera.db");
  const database = await createDatabase(url);
  let closed = false;
  const cleanup = async () => {
    if (!closed) {
      closed = true;
      await database.destroy();
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { ...database, url, cleanup, destroy: cleanup };
}

async function openPostgres(): Promise<TestDatabase> {
  const name = `${DATABASE_PREFIX}${Date.now().toString(36)}_${randomBytes(6).toString("hex")}`;
  await withAdmin(async (admin) => {
    await dropStaleDatabases(admin);
    await admin.query(`create database "${name}"`);
  });
  const url = databaseUrl(name);
  const database = await createDatabase(url, { poolMax: 5 });
  let closed = false;
  const cleanup = async () => {
    if (!closed) {
      closed = true;
      await database.destroy();
    }
    // WITH (FORCE), PostgreSQL 13+: also ends connections a failed test left open.
    await withAdmin((admin) => admin.query(`drop database if exists "${name}" with (force)`));
  };
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { ...database, url, cleanup, destroy: cleanup };
}

function databaseUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  admin.on("error", () => undefined);
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

// Best effort: a run killed before its cleanup leaves databases behind; names carry their
// creation time, so later runs can drop old ones without touching a parallel run's.
async function dropStaleDatabases(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    "select datname from pg_database where datname like $1",
    [`${DATABASE_PREFIX}%`],
  );
  for (const { datname } of rows) {
    const created = parseInt(datname.slice(DATABASE_PREFIX.length).split("_")[0] ?? "", 36);
    if (Number.isFinite(created) && Date.now() - created > STALE_DATABASE_AGE_MS) {
      await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
    }
  }
}

/** Deletes every row of every table (between tests that share one database). */
export async function clearTestDatabase(db: Kysely<Database>): Promise<void> {
  // Every table but the migrations' and the audit chain's head (new tables are cleared without
  // being listed here); a table another still points at is emptied in a later round.
  const tables = (await db.introspection.getTables())
    .map((table) => table.name)
    .filter((name) => !name.startsWith("tessera_migrations") && name !== "audit_chain_head");
  let left = tables;
  for (let round = 0; left.length > 0 && round <= tables.length; round += 1) {
    const failed: string[] = [];
    for (const name of left) {
      try {
        await db.deleteFrom(name as keyof Database).execute();
      } catch {
        failed.push(name);
      }
    }
    left = failed;
  }
  if (left.length > 0) throw new Error(`could not empty ${left.join(", ")}`);
  // A fresh audit chain too, so every test's events verify on their own.
  await db.updateTable("audit_chain_head").set({ seq: 0, hash: "" }).execute();
}
