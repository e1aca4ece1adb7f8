/**
 * Queries compiled once per Kysely instance and then run with new parameters: the hot lookups
 * (a user by id on every authenticated request, by name at every login) skip Kysely's
 * build-and-compile step, which costs more than an indexed SQLite lookup itself.
 */
import { createQueryId } from "kysely";
import type { Compilable, Kysely, KyselyPlugin, QueryResult, RootOperationNode } from "kysely";

/** Marks where argument `index` goes; replaced by the real value at each execution. */
class Slot {
  constructor(readonly index: number) {}
}

interface Template {
  /** The plugins it was compiled with. */
  plugins: readonly KyselyPlugin[];
  sql: string;
  query: RootOperationNode;
  /** For each compiled parameter: the argument index it takes, or -1 for a fixed value. */
  slots: number[];
  fixed: readonly unknown[];
}

/** A query compiled once per executor (dialect and plugins), run with fresh arguments. */
export interface PreparedQuery<DB, A extends unknown[], R> {
  /** Runs the query with `args` on `db` (a Kysely instance or a transaction); its rows. */
  execute(db: Kysely<DB>, args: A): Promise<R[]>;
}

/**
 * Prepares a query: `build(db, ...args)` is called once per database with stand-ins for the
 * arguments, which must be used only as values (bound parameters), never as identifiers or
 * SQL text. Throws `TypeError` at first use when an argument does not become a parameter.
 * `arity` is the number of arguments of a `build` with a rest parameter (`(db, ...keys)`),
 * whose `length` does not count them; `preparedByArity` keeps one such query per count.
 */
export function prepareQuery<DB, A extends unknown[], R>(
  build: (db: Kysely<DB>, ...args: A) => Compilable<R>,
  options: { arity?: number } = {},
): PreparedQuery<DB, A, R> {
  // Keyed by the dialect adapter, which a Kysely instance makes once and its transactions
  // share (a transaction's executor is new each time, so keying by executor compiled the query
  // again in every transaction), and checked against the executor's plugins, which change the
  // query: a Kysely instance with other plugins gets its own template.
  const templates = new WeakMap<object, Template>();
  const argCount = options.arity ?? build.length - 1;

  const compile = (db: Kysely<DB>): Template => {
    const standIns = Array.from({ length: argCount }, (_, i) => new Slot(i)) as unknown as A;
    const compiled = build(db, ...standIns).compile();
    const slots = compiled.parameters.map((p) => (p instanceof Slot ? p.index : -1));
    for (let i = 0; i < argCount; i += 1) {
      if (!slots.includes(i))
        throw new TypeError(`Prepared query argument ${i} is not a parameter`);
    }
    return {
      plugins: db.getExecutor().plugins,
      sql: compiled.sql,
      query: compiled.query,
      slots,
      fixed: compiled.parameters,
    };
  };

  return {
    // Not `async`: each promise layer shows in a lookup that takes a few microseconds.
    execute(db: Kysely<DB>, args: A): Promise<R[]> {
      const executor = db.getExecutor();
      let template = templates.get(executor.adapter);
      if (template === undefined || !samePlugins(template.plugins, executor.plugins)) {
        try {
          template = compile(db);
        } catch (error) {
          return Promise.reject(error as Error);
        }
        templates.set(executor.adapter, template);
      }
      const { slots, fixed } = template;
      const parameters = slots.map((slot, i) => (slot < 0 ? fixed[i] : args[slot]));
      const compiled = {
        sql: template.sql,
        query: template.query,
        parameters,
        queryId: createQueryId(),
      };
      // Without plugins there is no result to transform: hand the query straight to a
      // connection (driver logging still applies), skipping the executor's async layers.
      const result =
        executor.plugins.length === 0
          ? executor.provideConnection((connection) => connection.executeQuery<R>(compiled))
          : executor.executeQuery<R>(compiled);
      return result.then(rowsOf);
    },
  };
}

/** The longest argument list `preparedByArity` keeps a compiled query for. */
const MAX_KEPT_ARITY = 16;

/**
 * One prepared query per argument count, made when first asked for: for a list of keys
 * (`where key in (…)`, a multi-row insert) whose length varies between a few values.
 */
export function preparedByArity<DB, R>(
  build: (db: Kysely<DB>, ...args: unknown[]) => Compilable<R>,
): (arity: number) => PreparedQuery<DB, unknown[], R> {
  const byArity = new Map<number, PreparedQuery<DB, unknown[], R>>();
  return (arity) => {
    // Longer lists are rare: compiled each time rather than kept without bound.
    if (arity > MAX_KEPT_ARITY) return prepareQuery(build, { arity });
    let query = byArity.get(arity);
    if (query === undefined) {
      query = prepareQuery(build, { arity });
      byArity.set(arity, query);
    }
    return query;
  };
}

function samePlugins(a: readonly KyselyPlugin[], b: readonly KyselyPlugin[]): boolean {
  return a.length === b.length && a.every((plugin, i) => plugin === b[i]);
}

function rowsOf<R>(result: QueryResult<R>): R[] {
  return result.rows as R[];
}
