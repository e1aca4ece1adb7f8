/**
 * Store lookups per second on a 100,000-user table, SQLite and PostgreSQL side by side, each
 * next to the same query through the raw driver (a better-sqlite3 prepared statement, a pg
 * query) and the same row mapping, so the ratio is the cost of Kysely and the repository; and
 * next to stock Kysely (its own SqliteDialect / PostgresDialect over a fresh connection, the
 * query built at every call), so every run re-justifies the two hand-written fast paths: the
 * queries compiled once (src/store/prepared.ts) and the SQLite driver with a statement cache
 * (src/store/sqlite-driver.ts).
 *
 *   npm run bench:store            (TESSERA_BENCH_SECONDS=3 per measurement by default;
 *                                   TESSERA_BENCH_USERS=100000; TESSERA_TEST_DATABASE_URL)
 *
 * Run it alone on a quiet machine; it is never part of the test suite.
 */
import { randomUUID } from "node:crypto";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import {
  getUserById,
  getUserByNameOrMail,
  normalizeIdentifier,
  type Database,
  type User,
} from "../src/store/index.js";
import { toUser } from "../src/store/users.js";
import { TEST_DIALECTS, openTestDatabase, type TestDatabase } from "../test/helpers/database.js";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";

const USERS = Number(process.env.TESSERA_BENCH_USERS ?? 100_000);
const SECONDS = Number(process.env.TESSERA_BENCH_SECONDS ?? 3);
const ROUNDS = 2;
const BATCH = 1_000;
/** In-flight queries for the PostgreSQL throughput rows (a server handles many requests). */
const PG_CONCURRENCY = 8;
const FAKE_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNoZmFrZQ";

const BY_ID = "select * from users where id = $1";
const BY_NAME = "select * from users where name_key = $1";
const BY_MAIL = "select * from users where email_key = $1";
/** The repository's rule: a key with "@" can only be an email (see getUserByNameOrMail). */
const nameOrMailSql = (key: string) => (key.includes("@") ? BY_MAIL : BY_NAME);

type Lookup = (i: number) => Promise<unknown> | unknown;

interface Row {
  dialect: string;
  query: string;
  mode: string;
  /** The repository function (its query compiled once, see src/store/prepared.ts). */
  kysely: number;
  /** The same query built and compiled by Kysely at every call. */
  built: number;
  /** The same query through stock Kysely: its own dialect and driver, built at every call. */
  stock: number;
  raw: number;
}

async function seed(db: Kysely<Database>): Promise<{ ids: string[]; names: string[] }> {
  const ids: string[] = [];
  const names: string[] = [];
  const started = performance.now();
  await db.transaction().execute(async (trx) => {
    for (let offset = 0; offset < USERS; offset += BATCH) {
      const rows = [];
      for (let i = offset; i < Math.min(USERS, offset + BATCH); i += 1) {
        const id = randomUUID();
        const name = `User${i}`;
        ids.push(id);
        names.push(i % 2 === 0 ? name : `user${i}@example.org`);
        rows.push({
          id,
          name,
          name_key: normalizeIdentifier(name),
          email: `user${i}@example.org`,
          email_key: `user${i}@example.org`,
          password_hash: FAKE_HASH,
          totp_secret: null,
          totp_pending_secret: null,
          totp_last_step: null,
          is_admin: 0 as const,
          must_change_password: 0 as const,
          created_at: 1_767_225_600_000 + i,
          updated_at: 1_767_225_600_000 + i,
          last_login_at: null,
        });
      }
      await trx.insertInto("users").values(rows).execute();
    }
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  seeded ${USERS} users in ${seconds.toFixed(1)} s (${Math.round(USERS / seconds)} rows/s)`,
  );
  return { ids, names };
}

/** Calls per second of `lookup`, `concurrency` in flight, for SECONDS. */
async function measure(lookup: Lookup, concurrency: number): Promise<number> {
  let calls = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const worker = async (start: number) => {
    let i = start;
    while (performance.now() < deadline) {
      for (let k = 0; k < 64; k += 1) {
        await lookup(i);
        i += concurrency;
        calls += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w * 7919)));
  return calls / ((performance.now() - started) / 1000);
}

/** Best of ROUNDS, alternating the four so drift in machine load hits all alike. */
async function compare(
  kysely: Lookup,
  built: Lookup,
  stock: Lookup,
  raw: Lookup,
  concurrency: number,
) {
  for (const lookup of [kysely, built, stock, raw]) await measure(lookup, concurrency); // warm-up
  let best = { kysely: 0, built: 0, stock: 0, raw: 0 };
  for (let round = 0; round < ROUNDS; round += 1) {
    best = {
      kysely: Math.max(best.kysely, await measure(kysely, concurrency)),
      built: Math.max(best.built, await measure(built, concurrency)),
      stock: Math.max(best.stock, await measure(stock, concurrency)),
      raw: Math.max(best.raw, await measure(raw, concurrency)),
    };
  }
  return best;
}

/** Plain Kysely over its own dialect and a new connection to the same database. */
function stockKysely(database: TestDatabase): Kysely<Database> {
  return new Kysely<Database>({
    dialect:
      database.dialect === "sqlite"
        ? new SqliteDialect({ database: new BetterSqlite3(database.url, { readonly: true }) })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 10 }) }),
  });
}

/** The two lookups written the plain Kysely way, compiled at every call. */
function builtLookups(db: Kysely<Database>, ids: string[], names: string[]) {
  const pick = <T>(list: T[], i: number) => list[i % list.length]!;
  return {
    byId: async (i: number) => {
      const row = await db
        .selectFrom("users")
        .selectAll()
        .where("id", "=", pick(ids, i))
        .executeTakeFirst();
      if (row === undefined) throw new Error("benchmark lookup missed");
      return toUser(row);
    },
    byName: async (i: number) => {
      const key = normalizeIdentifier(pick(names, i));
      const column = key.includes("@") ? "email_key" : "name_key";
      const row = await db
        .selectFrom("users")
        .selectAll()
        .where(column, "=", key)
        .executeTakeFirst();
      if (row === undefined) throw new Error("benchmark lookup missed");
      return toUser(row);
    },
  };
}

async function benchDialect(database: TestDatabase): Promise<Row[]> {
  console.log(`${database.dialect}:`);
  const { ids, names } = await seed(database.db);
  const pick = <T>(list: T[], i: number) => list[i % list.length]!;
  const rows: Row[] = [];
  const check = (user: User | undefined) => {
    if (user === undefined) throw new Error("benchmark lookup missed");
  };
  const built = builtLookups(database.db, ids, names);
  const stockDb = stockKysely(database);
  const stock = builtLookups(stockDb, ids, names);

  if (database.dialect === "sqlite") {
    const raw = new BetterSqlite3(database.url, { readonly: true });
    try {
      const byId = raw.prepare(BY_ID.replace("$1", "?"));
      const byName = raw.prepare(BY_NAME.replace("$1", "?"));
      const byMail = raw.prepare(BY_MAIL.replace("$1", "?"));
      const rawById = (i: number) => check(toUser(byId.get(pick(ids, i)) as never));
      const rawByName = (i: number) => {
        const key = normalizeIdentifier(pick(names, i));
        check(toUser((key.includes("@") ? byMail : byName).get(key) as never));
      };
      const cases = [
        [
          "getUserById",
          async (i: number) => check(await getUserById(database.db, pick(ids, i))),
          built.byId,
          stock.byId,
          rawById,
        ],
        [
          "getUserByNameOrMail",
          async (i: number) => check(await getUserByNameOrMail(database.db, pick(names, i))),
          built.byName,
          stock.byName,
          rawByName,
        ],
      ] as const;
      for (const [query, kysely, builtLookup, stockLookup, rawLookup] of cases) {
        rows.push({
          dialect: "sqlite",
          query,
          mode: "sequential",
          ...(await compare(kysely, builtLookup, stockLookup, rawLookup, 1)),
        });
      }
    } finally {
      raw.close();
      await stockDb.destroy();
    }
  } else {
    const pool = new pg.Pool({ connectionString: database.url, max: 10 });
    pool.on("error", (error) => console.error("raw pg pool:", error.message));
    try {
      const rawById = async (i: number) =>
        check(toUser((await pool.query(BY_ID, [pick(ids, i)])).rows[0] as never));
      const rawByName = async (i: number) => {
        const key = normalizeIdentifier(pick(names, i));
        check(toUser((await pool.query(nameOrMailSql(key), [key])).rows[0] as never));
      };
      const cases = [
        [
          "getUserById",
          async (i: number) => check(await getUserById(database.db, pick(ids, i))),
          built.byId,
          stock.byId,
          rawById,
        ],
        [
          "getUserByNameOrMail",
          async (i: number) => check(await getUserByNameOrMail(database.db, pick(names, i))),
          built.byName,
          stock.byName,
          rawByName,
        ],
      ] as const;
      for (const [query, kysely, builtLookup, stockLookup, rawLookup] of cases) {
        for (const concurrency of [1, PG_CONCURRENCY]) {
          const mode = concurrency === 1 ? "sequential" : `${concurrency} in flight`;
          rows.push({
            dialect: "postgres",
            query,
            mode,
            ...(await compare(kysely, builtLookup, stockLookup, rawLookup, concurrency)),
          });
        }
      }
    } finally {
      await pool.end();
      await stockDb.destroy();
    }
  }
  return rows;
}

const results: Row[] = [];
for (const dialect of TEST_DIALECTS) {
  const database = await openTestDatabase(dialect);
  try {
    results.push(...(await benchDialect(database)));
  } finally {
    await database.cleanup();
  }
}

console.log(
  `\n${USERS} users, lookups per second, best of ${ROUNDS} × ${SECONDS} s. repository = the store function ` +
    `(query compiled once); built = the same Kysely query built and compiled at every call; ` +
    `stock = that query through stock Kysely (its own dialect and driver); ` +
    `raw = the same SQL and row mapping straight through the driver.\n`,
);
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`.padStart(6);
const num = (n: number) => Math.round(n).toString().padStart(10);
console.log(
  "dialect   query                 mode           repository     built     stock       raw   repo÷raw built÷raw stock÷raw repo÷stock",
);
for (const r of results) {
  console.log(
    `${r.dialect.padEnd(9)} ${r.query.padEnd(21)} ${r.mode.padEnd(13)}${num(r.kysely)}${num(r.built)}${num(r.stock)}${num(r.raw)}   ${pct(r.kysely, r.raw)}    ${pct(r.built, r.raw)}    ${pct(r.stock, r.raw)}     ${pct(r.kysely, r.stock)}`,
  );
}
