/**
 * `npx tsx bench/forgot-password.ts`: does `POST /password/forgot` answer an existing account
 * and an unknown one in the same time (issue 12: "in about the same time")? One server in this
 * child process over a fresh SQLite file (or, with BENCH_DATABASE_URL, a PostgreSQL database
 * `tessera_bench_<random>` created beside the one named and dropped after), mail
 * dropped, timed by this process (a client in the server's own process would also time the
 * work deferred after the answer, which a real client never waits for); BENCH_ROUNDS (default
 * 300) interleaved pairs after a warm-up, each request for another name (the server's clock
 * moves 2 hours at each request, so the rate limits never answer instead). Prints the median
 * and 90th percentile of each, and their ratio. BENCH_PAUSE_MS (default 0) waits between
 * requests: with 5 the server is quiet at each request (the answer's own time); with 0 each
 * request also meets the work deferred by the one before.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { frozenClock } from "../src/core/clock.js";
import { buildApp } from "../src/http/app.js";
import { createTessera } from "../src/runtime.js";
import { createUser } from "../src/services/account/users.js";
import { createDatabase } from "../src/store/index.js";
import { createBenchPostgresDatabase } from "./bench-database.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const WARM_UP = 30;
const PAUSE_MS = Number(process.env.BENCH_PAUSE_MS ?? 0);
const ORIGIN = "http://localhost:8000";
if (process.env.BENCH_ROLE === "server") {
  await serve();
} else {
  await measure();
}

async function serve(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-forgot-"));
  const adminUrl = process.env.BENCH_DATABASE_URL;
  const postgres = adminUrl === undefined ? null : await createBenchPostgresDatabase(adminUrl);
  const databaseUrl = postgres?.url ?? join(dir, "bench.db");

  const database = await createDatabase(databaseUrl);
  const clock = frozenClock(Date.UTC(2026, 10, 28, 12, 0, 0));
  const total = ROUNDS + WARM_UP;
  const settings = {
    databaseUrl,
    jwtSecret: randomBytes(32).toString("base64url"),
    publicUrl: ORIGIN,
    argon2: { memoryKib: 1024, iterations: 1 },
    logLevel: "silent",
  };
  const tessera = await createTessera(settings, {
    database,
    clock,
    mailTransport: { kind: "discard", send: async () => undefined, close: async () => undefined },
  });
  const app = await buildApp(tessera, { logger: false });
  app.addHook("onRequest", async () => clock.advance(2 * 3_600_000));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  for (let i = 0; i < total; i += 1) {
    const user = await createUser(tessera.ctx, null, {
      name: `bench${i}`,
      email: `bench${i}@example.org`,
      password: `bench passphrase ${i} ${randomBytes(4).toString("hex")}`,
    });
    if (user.email !== `bench${i}@example.org`) throw new Error("unexpected email");
  }
  process.stdout.write(`${address.port}\n`);
  process.once("SIGTERM", () => {
    void (async () => {
      await app.close();
      await tessera.close();
      await database.destroy();
      await postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

async function measure(): Promise<void> {
  const total = ROUNDS + WARM_UP;
  const server = spawn(process.execPath, [...process.execArgv, process.argv[1]!], {
    env: { ...process.env, BENCH_ROLE: "server" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    server.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    server.once("exit", (code) => reject(new Error(`server exited with ${String(code)}`)));
  });
  const base = `http://127.0.0.1:${port}`;

  async function timeForgot(name: string): Promise<number> {
    const start = process.hrtime.bigint();
    const response = await fetch(`${base}/password/forgot`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify({ name }),
    });
    await response.text();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (response.status !== 202) throw new Error(`status ${response.status}`);
    return ms;
  }

  const times = { known: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < total; i += 1) {
    // A coin decides which goes first, so each kind follows the known account's deferred work
    // (a write after the answer) equally often, however many requests that work reaches into.
    // (Alternating, K U U K K U…, puts an unknown right after a known 1 and 2 steps later, a
    // known 1 and 3 steps later: the unknown one looked slower.)
    const pair = [
      ["known", `bench${i}@example.org`],
      ["unknown", `nobody${i}@example.org`],
    ] as const;
    for (const [kind, name] of randomInt(2) === 0 ? pair : [...pair].reverse()) {
      const ms = await timeForgot(name);
      if (i >= WARM_UP) times[kind].push(ms);
      if (PAUSE_MS > 0) await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  }

  const quantile = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  };
  const row = (kind: "known" | "unknown") =>
    `${kind.padEnd(8)} median ${quantile(times[kind], 0.5).toFixed(2)} ms, p90 ${quantile(times[kind], 0.9).toFixed(2)} ms`;
  console.log(
    `POST /password/forgot, ${ROUNDS} interleaved pairs (${process.env.BENCH_DATABASE_URL === undefined ? "sqlite" : "postgres"})`,
  );
  console.log(row("known"));
  console.log(row("unknown"));
  console.log(
    `ratio known/unknown: median ${(quantile(times.known, 0.5) / quantile(times.unknown, 0.5)).toFixed(3)}`,
  );
  server.kill("SIGTERM");
  await once(server, "exit");
}
