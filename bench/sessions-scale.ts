/**
 * `npx tsx bench/sessions-scale.ts`: does the sessions table's size change the cost of a
 * sign-in's session and of an uncached `GET /me` check? Measures, on a fresh database:
 * `issueSessionToken` (one insert) and `authenticateSessionToken` with the cache off (the
 * session and user reads), N times each, with an empty table, then again after 1 million
 * session rows of 1 000 other users (a third of them ended long ago); then one sweep.
 *
 *   BENCH_DIALECT=sqlite (default) | postgres   BENCH_ROWS (default 1000000)   BENCH_OPS (2000)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { createTessera } from "../src/runtime.js";
import { authenticateSessionToken, issueSessionToken } from "../src/services/sessions/sessions.js";
import { sweepSessions } from "../src/services/sessions/ending.js";
import { insertUser } from "../src/store/index.js";
import { createBenchPostgresDatabase } from "./bench-database.js";

const DIALECT = process.env.BENCH_DIALECT ?? "sqlite";
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const OPS = Number(process.env.BENCH_OPS ?? 2000);
const USERS = 1000;

let databaseUrl: string;
let drop = async () => {};
if (DIALECT === "postgres") {
  ({ url: databaseUrl, drop } = await createBenchPostgresDatabase());
} else {
  databaseUrl = join(mkdtempSync(join(tmpdir(), "tessera-bench-")), "scale.db");
}

const tessera = await createTessera(
  { databaseUrl, jwtSecret: randomBytes(32).toString("base64url"), logLevel: "silent" },
  {
    sessionCache: false,
    mailTransport: { kind: "discard", send: async () => undefined, close: async () => undefined },
  },
);
const { ctx } = tessera;
const db = ctx.db;
const now = Date.now();
const user = await insertUser(db, {
  name: "measured",
  email: "measured@example.org",
  passwordHash: "x",
  nowMs: now,
});

async function settle(): Promise<void> {
  if (DIALECT === "postgres") await sql`analyze sessions`.execute(db);
  else await sql`pragma wal_checkpoint(truncate)`.execute(db);
}

/** Median of 5 rounds of OPS/5 operations each (the disk is shared: single rounds jump). */
async function measure(label: string): Promise<void> {
  const rounds = 5;
  const issue: number[] = [];
  const check: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const tokens: string[] = [];
    let start = performance.now();
    for (let i = 0; i < OPS / rounds; i++) {
      tokens.push((await issueSessionToken(ctx, user, { amr: ["pwd"] })).token);
    }
    issue.push(((performance.now() - start) * 1000 * rounds) / OPS);
    start = performance.now();
    for (const token of tokens) await authenticateSessionToken(ctx, token);
    check.push(((performance.now() - start) * 1000 * rounds) / OPS);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(rounds / 2)] ?? 0;
  console.log(
    `${DIALECT} ${label.padEnd(26)} session at sign-in ${median(issue).toFixed(0).padStart(5)} µs/op, uncached check ${median(check).toFixed(0).padStart(5)} µs/op`,
  );
}

try {
  await measure("empty sessions table");

  const hash = "x";
  for (let i = 0; i < USERS; i++) {
    await insertUser(db, {
      name: `other${i}`,
      email: `other${i}@example.org`,
      passwordHash: hash,
      nowMs: now,
    });
  }
  const fill = performance.now();
  // Rows n = 1..ROWS: user n % USERS, created over the last 60 days, every third one ended.
  const series =
    DIALECT === "postgres"
      ? sql`select n from generate_series(1, ${ROWS}) as n`
      : sql`with recursive c(n) as (select 1 union all select n + 1 from c where n < ${ROWS}) select n from c`;
  const day = 86_400_000;
  const nowSql = sql`cast(${now} as bigint)`;
  const daySql = sql`cast(${day} as bigint)`;
  const insert = sql`
    insert into sessions (id, user_id, created_at, last_seen_at, expires_at, idle_expires_at,
                          amr, auth_time, ip, user_agent, device, ended_at, end_reason)
    select 'bench-' || s.n, u.id,
           ${nowSql} - (s.n % 60) * ${daySql}, ${nowSql} - (s.n % 60) * ${daySql},
           ${nowSql} - (s.n % 60) * ${daySql} + 7 * ${daySql}, ${nowSql} - (s.n % 60) * ${daySql} + ${daySql},
           '["pwd"]', ${nowSql} - (s.n % 60) * ${daySql}, '192.0.2.1', 'bench', 'bench',
           case when s.n % 3 = 0 then ${nowSql} - (s.n % 60) * ${daySql} else null end,
           case when s.n % 3 = 0 then 'logout' else null end
      from (${series}) s
      join (select id, row_number() over (order by id) - 1 as k from users where name like 'other%') u
        on u.k = s.n % ${USERS}`;
  await insert.execute(db);
  // Steady state, not the bulk fill's aftermath: statistics on PostgreSQL, and on SQLite the
  // fill's write-ahead log checkpointed (else the next commits pay for it).
  await settle();
  console.log(
    `${DIALECT} filled ${ROWS} session rows in ${((performance.now() - fill) / 1000).toFixed(1)} s`,
  );

  await measure(`${ROWS} rows`);
  const sweep = performance.now();
  const swept = await sweepSessions(ctx);
  console.log(
    `${DIALECT} sweep (30-day retention) deleted ${swept} rows in ${((performance.now() - sweep) / 1000).toFixed(1)} s`,
  );
  await settle();
  await measure("after the sweep");
} finally {
  await tessera.close();
  await drop();
}
