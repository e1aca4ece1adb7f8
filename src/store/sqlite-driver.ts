/**
 * Kysely driver for one better-sqlite3 connection. It does what Kysely's own `SqliteDriver`
 * does (one connection, handed to one user at a time, so a transaction's statements never
 * interleave with other queries) with two changes that matter for a lookup that takes a few
 * microseconds: prepared statements are cached instead of re-prepared for every query, and
 * acquiring a free connection allocates no lock promise. `openSqliteConnection` opens every
 * Tessera SQLite file, this driver's and the counter file's (`rate-limit/counter-file.ts`).
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, SelectQueryNode } from "kysely";
import type { DatabaseConnection, Driver, QueryResult } from "kysely";

type Statement = BetterSqlite3.Statement<unknown[]>;

/**
 * Opens one better-sqlite3 connection as every Tessera SQLite file is opened: the file's folder
 * made, WAL journal, foreign keys on, the busy timeout, and `synchronous` (default FULL: a
 * committed write survives a power loss, not just a process crash).
 * Throws the driver's error when the file cannot be opened.
 */
export function openSqliteConnection(
  path: string,
  options: { busyTimeoutMs: number; synchronous?: "FULL" | "NORMAL" },
): BetterSqlite3.Database {
  const inMemory = path === ":memory:";
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const raw = new BetterSqlite3(path, { timeout: options.busyTimeoutMs });
  try {
    // WAL: readers never block the writer (SQLite docs, "Write-Ahead Logging").
    if (!inMemory) raw.pragma("journal_mode = WAL");
    // Foreign keys are off by default in SQLite and must be enabled per connection.
    raw.pragma("foreign_keys = ON");
    raw.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs))}`);
    raw.pragma(`synchronous = ${options.synchronous === "NORMAL" ? "NORMAL" : "FULL"}`);
    return raw;
  } catch (error) {
    raw.close();
    throw error;
  }
}

/** A Kysely driver over an open better-sqlite3 connection (which it closes on `destroy`). */
export class TesseraSqliteDriver implements Driver {
  readonly #raw: BetterSqlite3.Database;
  readonly #connection: TesseraSqliteConnection;
  #inUse = false;
  readonly #waiting: Array<(connection: DatabaseConnection) => void> = [];

  constructor(raw: BetterSqlite3.Database, statementCacheSize: number) {
    this.#raw = raw;
    this.#connection = new TesseraSqliteConnection(raw, statementCacheSize);
  }

  init(): Promise<void> {
    return Promise.resolve();
  }

  acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#inUse) {
      this.#inUse = true;
      return Promise.resolve(this.#connection);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  releaseConnection(): Promise<void> {
    // First come, first served; the connection stays in use while it is handed over.
    const next = this.#waiting.shift();
    if (next === undefined) this.#inUse = false;
    else next(this.#connection);
    return Promise.resolve();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteIdentifier(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteIdentifier(name)}`));
  }

  destroy(): Promise<void> {
    this.#connection.clear();
    this.#raw.close();
    return Promise.resolve();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class TesseraSqliteConnection implements DatabaseConnection {
  readonly #raw: BetterSqlite3.Database;
  readonly #size: number;
  /** Least recently used first (a Map keeps insertion order). */
  readonly #statements = new Map<string, Statement>();

  constructor(raw: BetterSqlite3.Database, size: number) {
    this.#raw = raw;
    this.#size = size;
  }

  clear(): void {
    this.#statements.clear();
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const statement = this.#prepare(compiledQuery.sql);
      const parameters = compiledQuery.parameters as unknown[];
      if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
      const { changes, lastInsertRowid } = statement.run(parameters);
      return Promise.resolve({
        numAffectedRows: BigInt(changes),
        insertId: BigInt(lastInsertRowid),
        rows: [],
      });
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiledQuery.query)) {
      throw new Error("The SQLite driver streams only select queries");
    }
    // A fresh statement: a cached one could be needed again while this one is iterating.
    const statement = this.#raw.prepare(compiledQuery.sql);
    for (const row of statement.iterate(compiledQuery.parameters as unknown[])) {
      yield { rows: [row as R] };
    }
  }

  #prepare(sql: string): Statement {
    if (this.#size <= 0) return this.#raw.prepare(sql);
    const cached = this.#statements.get(sql);
    if (cached !== undefined) {
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = this.#raw.prepare(sql);
    this.#statements.set(sql, statement);
    if (this.#statements.size > this.#size) {
      const oldest = this.#statements.keys().next();
      if (oldest.done !== true) this.#statements.delete(oldest.value);
    }
    return statement;
  }
}
