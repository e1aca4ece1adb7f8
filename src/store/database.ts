/**
 * Opening the database: an embedded SQLite file by default, PostgreSQL from a `postgres://`
 * URL. Both come back as one Kysely instance so every query is written once.
 */
import { fileURLToPath } from "node:url";
import type BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, sql } from "kysely";
import type { DialectAdapter, Driver, LogEvent } from "kysely";
import pg from "pg";
import type { DialectName } from "./dialect.js";
import type { Database } from "./schema.js";
import { TesseraSqliteDriver, openSqliteConnection } from "./sqlite-driver.js";

/** Where the SQLite file lives when no URL is configured (relative to the working directory). */
export const DEFAULT_SQLITE_PATH = "./data/tessera.db";
/** How long SQLite waits for another writer's lock; better-sqlite3's own default `timeout`. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** Prepared SQLite statements kept per connection (Kysely's own driver re-prepares each query). */
export const DEFAULT_SQLITE_STATEMENT_CACHE_SIZE = 200;
/** Connections per PostgreSQL pool; pg's own default `max`. */
export const DEFAULT_POSTGRES_POOL_MAX = 10;
/** A request waits this long for a PostgreSQL connection from the pool, then fails (503). */
export const DEFAULT_POSTGRES_ACQUIRE_TIMEOUT_MS = 3_000;
/** A PostgreSQL query runs at most this long (server-side and client-side), then fails (503). */
export const DEFAULT_POSTGRES_STATEMENT_TIMEOUT_MS = 5_000;
/** `pingDatabase` gives up after this long (a health check must answer quickly). */
export const DEFAULT_PING_TIMEOUT_MS = 2_000;

/** An open database: the Kysely instance, which dialect it speaks, and how to close it. */
export interface TesseraDatabase {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The URL it was opened from, when known (PostgreSQL LISTEN opens its own connection). */
  url?: string;
  destroy(): Promise<void>;
  /** PostgreSQL pool connections (total, idle, clients waiting); absent on SQLite. */
  poolStats?: () => { total: number; idle: number; waiting: number };
}

/** Options of `createDatabase`; every field has a `DEFAULT_*`. */
export interface DatabaseOptions {
  /** SQLite busy timeout. Default `DEFAULT_SQLITE_BUSY_TIMEOUT_MS`. */
  busyTimeoutMs?: number;
  /**
   * SQLite durability (`PRAGMA synchronous`): `FULL` (default) keeps a commit through a power
   * cut; `NORMAL` (WAL) through a crash only, without an fsync per commit. `NORMAL` is for
   * data that may be lost in a power cut: the failure counters' own file (issue 20 item 1).
   */
  synchronous?: "FULL" | "NORMAL";
  /** SQLite prepared-statement cache size; 0 disables it. Default `DEFAULT_SQLITE_STATEMENT_CACHE_SIZE`. */
  statementCacheSize?: number;
  /** PostgreSQL pool size. Default `DEFAULT_POSTGRES_POOL_MAX`. */
  poolMax?: number;
  /**
   * Longest wait for a pool connection, new or idle (pg-pool `connectionTimeoutMillis`).
   * Default `DEFAULT_POSTGRES_ACQUIRE_TIMEOUT_MS`.
   */
  acquireTimeoutMs?: number;
  /**
   * Longest query: PostgreSQL's `statement_timeout` (the server cancels it), and pg's
   * client-side `query_timeout` a second later (a stalled network sends no cancel back).
   * Default `DEFAULT_POSTGRES_STATEMENT_TIMEOUT_MS`.
   */
  statementTimeoutMs?: number;
  /** Called with errors of idle PostgreSQL connections (default: ignored; the next query reconnects). */
  onPoolError?: (error: Error) => void;
  /** Called with every failed query (the error is still thrown to the caller); for metrics. */
  onQueryError?: (error: unknown) => void;
}

/** Where a database URL points. */
export type DatabaseLocation =
  { dialect: "sqlite"; path: string } | { dialect: "postgres"; connectionString: string };

/**
 * Reads a `TESSERA_DATABASE_URL`: empty or missing → `DEFAULT_SQLITE_PATH`; `postgres://…` or
 * `postgresql://…` → PostgreSQL; `sqlite:PATH`, `sqlite://PATH` (so `sqlite:///abs/path.db` is
 * absolute), `file:///abs/path.db`, `:memory:` or a plain file path → SQLite.
 * Throws `TypeError` for any other URL scheme.
 */
export function parseDatabaseUrl(url: string | undefined): DatabaseLocation {
  const value = url?.trim() ?? "";
  if (value === "") return { dialect: "sqlite", path: DEFAULT_SQLITE_PATH };
  if (/^postgres(?:ql)?:\/\//i.test(value)) return { dialect: "postgres", connectionString: value };
  const sqlite = /^sqlite:(?:\/\/)?/i.exec(value);
  if (sqlite !== null) {
    const path = value.slice(sqlite[0].length);
    if (path === "") throw new TypeError(`Database URL "${value}" names no SQLite file`);
    return { dialect: "sqlite", path };
  }
  if (/^file:/i.test(value)) return { dialect: "sqlite", path: fileURLToPath(value) };
  // Two or more letters, so a Windows drive letter ("C:\…") still reads as a path.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(value);
  if (scheme !== null && value !== ":memory:") {
    throw new TypeError(
      `Unsupported database URL scheme "${scheme[1]}:" (use postgres://…, sqlite:… or a file path)`,
    );
  }
  return { dialect: "sqlite", path: value };
}

/**
 * Opens the database a URL names (see `parseDatabaseUrl`). SQLite: creates the file's folder,
 * then WAL journal, foreign keys on, synchronous FULL and a busy timeout. PostgreSQL: a `pg`
 * pool whose 64-bit integers come back as JS numbers. Does not migrate (`migrateToLatest`).
 * Throws `TypeError` for an unsupported URL and the driver's error when the file cannot be opened.
 */
export async function createDatabase(
  url?: string,
  options: DatabaseOptions = {},
): Promise<TesseraDatabase> {
  const location = parseDatabaseUrl(url);
  const onQueryError = options.onQueryError;
  const log =
    onQueryError === undefined
      ? undefined
      : (event: LogEvent) => {
          if (event.level === "error") onQueryError(event.error);
        };
  if (location.dialect === "sqlite") {
    const db = new Kysely<Database>({
      dialect: sqliteDialect(location.path, options),
      ...(log ? { log } : {}),
    });
    return { db, dialect: "sqlite", destroy: () => db.destroy() };
  }
  const pool = postgresPool(location.connectionString, options);
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(log ? { log } : {}),
  });
  return {
    db,
    dialect: "postgres",
    url: location.connectionString,
    destroy: () => db.destroy(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/**
 * Resolves when the database answers a trivial query within `timeoutMs`
 * (default `DEFAULT_PING_TIMEOUT_MS`), for `/healthz`. Throws the driver's error, or an `Error`
 * when the time runs out.
 */
export async function pingDatabase(
  db: Kysely<Database>,
  timeoutMs: number = DEFAULT_PING_TIMEOUT_MS,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () => fail(new Error(`Database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([sql`select 1 as ok`.execute(db), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sqliteDialect(path: string, options: DatabaseOptions): SqliteDialect {
  const raw = openSqliteConnection(path, {
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
    ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }),
  });
  const size = options.statementCacheSize ?? DEFAULT_SQLITE_STATEMENT_CACHE_SIZE;
  return new TesseraSqliteDialect(raw, size);
}

/** SQLite runs DDL inside transactions; Kysely's adapter says it does not, so say it does. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Kysely's SQLite dialect with Tessera's driver (statement cache, see sqlite-driver.ts) and
 * migrations in one transaction (all or nothing).
 */
class TesseraSqliteDialect extends SqliteDialect {
  readonly #raw: BetterSqlite3.Database;
  readonly #statementCacheSize: number;

  constructor(raw: BetterSqlite3.Database, statementCacheSize: number) {
    super({ database: raw });
    this.#raw = raw;
    this.#statementCacheSize = statementCacheSize;
  }

  override createDriver(): Driver {
    return new TesseraSqliteDriver(this.#raw, this.#statementCacheSize);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** PostgreSQL's int8 (OID 20): bigint columns and count(*). */
const PG_INT8_OID = 20;

function postgresPool(connectionString: string, options: DatabaseOptions): pg.Pool {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_POSTGRES_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString,
    max: options.poolMax ?? DEFAULT_POSTGRES_POOL_MAX,
    connectionTimeoutMillis: options.acquireTimeoutMs ?? DEFAULT_POSTGRES_ACQUIRE_TIMEOUT_MS,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1_000,
    // Notice a peer that vanished without a FIN (a dropped network path).
    keepAlive: true,
    // pg returns int8 as a string by default; ours are epoch ms, steps and counters, all far
    // below 2^53. Set per pool, so other pg users in the same process are unaffected.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === PG_INT8_OID
          ? parseInt8
          : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client's error (the server restarted) is emitted on the pool; unhandled, it would
  // crash the process. The next query simply opens a new connection.
  pool.on("error", options.onPoolError ?? (() => undefined));
  // A checked-out client's socket error (a write to a cut connection) is emitted on the client,
  // where pg-pool listens only while it is idle: without this, that too would crash the
  // process. The query it broke fails (and is counted) on its own; the pool drops the client.
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
  });
  return pool;
}

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`64-bit integer ${text} does not fit in a JS number`);
  }
  return value;
}
