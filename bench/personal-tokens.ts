/**
 * `npx tsx bench/personal-tokens.ts`: the cost of a personal access token check (issue 23) beside
 * a session check, in process, with the per-process cache and without it (every check reads the
 * database), plus a mistyped token (refused by its checksum, no read). Two runtimes over one
 * fresh database: one with the session cache, one with `sessionCache: false`. Prints the median
 * of 5 rounds, in microseconds per check.
 *
 *   BENCH_DIALECT=sqlite (default) | postgres   BENCH_OPS (default 5000 per round)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTessera } from "../src/runtime.js";
import { createPersonalTokenAuthenticator } from "../src/services/personal-tokens/authenticate.js";
import { createPersonalToken } from "../src/services/personal-tokens/tokens.js";
import { authenticateSessionToken, issueSessionToken } from "../src/services/sessions/sessions.js";
import { toPublicUser } from "../src/services/users-view.js";
import { insertUser } from "../src/store/index.js";
import { createBenchPostgresDatabase } from "./bench-database.js";

const DIALECT = process.env.BENCH_DIALECT ?? "sqlite";
const OPS = Number(process.env.BENCH_OPS ?? 5000);
const ROUNDS = 5;

let databaseUrl: string;
let drop = async () => {};
if (DIALECT === "postgres") {
  ({ url: databaseUrl, drop } = await createBenchPostgresDatabase());
} else {
  databaseUrl = join(mkdtempSync(join(tmpdir(), "tessera-bench-")), "tokens.db");
}
const options = {
  databaseUrl,
  jwtSecret: randomBytes(32).toString("base64url"),
  logLevel: "silent" as const,
  // The per-token request limit would stop the loop: it is not what is measured.
  accessTokenRequestsPerMinute: 1_000_000,
};
const discard = { kind: "discard", send: async () => undefined, close: async () => undefined };
const cached = await createTessera(options, { sessionCache: true, mailTransport: discard });
const uncached = await createTessera(options, { sessionCache: false, mailTransport: discard });

const user = await insertUser(cached.ctx.db, {
  name: "measured",
  email: "measured@example.org",
  passwordHash: "x",
  nowMs: Date.now(),
});
const session = await issueSessionToken(cached.ctx, user, { amr: ["pwd"] });
const { token } = await createPersonalToken(
  cached.ctx,
  toPublicUser(user),
  user.id,
  { name: "bench", scopes: ["profile:read"] },
  { ip: "127.0.0.1", userAgent: null },
);
const mistyped = token.slice(0, -1) + (token.endsWith("a") ? "b" : "a");
const meta = { ip: "127.0.0.1", userAgent: null };
// The cache is trusted once its channel is up.
while (cached.sessionCache?.enabled !== true) await new Promise((r) => setTimeout(r, 10));

async function median(check: () => Promise<unknown>): Promise<number> {
  const perCheckUs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < OPS; i++) await check();
    perCheckUs.push(Number(process.hrtime.bigint() - start) / 1_000 / OPS);
  }
  return perCheckUs.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

const patCached = createPersonalTokenAuthenticator(cached.ctx);
const patUncached = createPersonalTokenAuthenticator(uncached.ctx);
const rows: Array<[string, () => Promise<unknown>]> = [
  ["session check, cache", () => authenticateSessionToken(cached.ctx, session.token)],
  ["session check, no cache", () => authenticateSessionToken(uncached.ctx, session.token)],
  ["token check, cache", () => patCached(token, meta)],
  ["token check, no cache", () => patUncached(token, meta)],
  ["mistyped token (checksum)", () => patCached(mistyped, meta).catch(() => undefined)],
];
console.log(`${DIALECT}, ${OPS} checks × ${ROUNDS} rounds, median µs per check`);
for (const [label, check] of rows) {
  await check(); // warm: fills the cache, prepares the statements
  console.log(`${label.padEnd(28)} ${(await median(check)).toFixed(1).padStart(8)} µs`);
}
await uncached.close();
await cached.close();
await drop();
