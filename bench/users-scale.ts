/**
 * `npm run bench:users` (`tsx bench/users-scale.ts`): the user list at scale (issue 25). On a
 * fresh database of each dialect, with the server in its own process (the real app, default
 * Argon2 parameters):
 * 1. sign-in (`POST /login`) and `GET /me`, p50/p99, with 2 users: the baseline;
 * 2. `tessera import` of BENCH_IMPORT_USERS users (the CLI, as an operator runs it), timed;
 *    then the rest up to BENCH_USERS inserted in batches of 1,000 (one multi-row INSERT each);
 * 3. `GET /users` as an admin: the first page (50 and 200), a page 90% of the way in, a search
 *    by a name prefix that matches 10 users and one that matches 10%, a filter that matches one
 *    user; p50/p99 each;
 * 4. `/healthz` p50/p99/max alone, then while 20 clients page through the whole list (200 a
 *    page);
 * 5. sign-in and `GET /me` again.
 *
 *   BENCH_DIALECT=sqlite (default) | postgres   BENCH_USERS (100000)   BENCH_IMPORT_USERS (= BENCH_USERS)
 *   BENCH_LOAD_SECONDS (15)   BENCH_PIN (1: the server on core 0, this process and the probe on
 *   core 1, with taskset, where there are two cores or more; 0: unpinned)
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { sql } from "kysely";
import { loadConfig } from "../src/config/index.js";
import { hashPassword } from "../src/core/password.js";
import { buildApp } from "../src/http/app.js";
import { createTessera } from "../src/runtime.js";
import { encodeCursor } from "../src/services/paging.js";
import { createUser } from "../src/services/account/users.js";
import { createBenchPostgresDatabase } from "./bench-database.js";

const DIALECT = process.env.BENCH_DIALECT ?? "sqlite";
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const IMPORT_USERS = Math.min(USERS, Number(process.env.BENCH_IMPORT_USERS ?? USERS));
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 15);
const ADMIN = {
  name: "bench-admin",
  email: "bench-admin@example.org",
  password: "bench admin pw 123",
};
const USER = { name: "bench-user", email: "bench-user@example.org", password: "bench user pw 123" };
const PAGING_CLIENTS = 20;
const PIN = process.env.BENCH_PIN !== "0" && availableParallelism() >= 2;

/** Pins a process to one core (taskset); false where it cannot (no taskset, one core). */
function pin(pid: number, core: number): boolean {
  if (!PIN) return false;
  return (
    spawnSync("taskset", ["-p", "-c", String(core), String(pid)], { stdio: "ignore" }).status === 0
  );
}

/** The server process's environment: the real app, production settings, no login throttle. */
function serverEnv(databaseUrl: string, dataDir: string, secret: string): Record<string, string> {
  return {
    NODE_ENV: "production",
    TESSERA_DATABASE_URL: databaseUrl,
    TESSERA_DATA_DIR: dataDir,
    TESSERA_JWT_SECRET: secret,
    TESSERA_PUBLIC_URL: "http://localhost:8000",
    TESSERA_LOG_LEVEL: "silent",
    TESSERA_LOGIN_ADDRESS_MAX_FAILURES: "1000000",
    TESSERA_MAX_REQUESTS_PER_SOCKET: "0",
  };
}

// The server side: started by the bench as a child process (BENCH_ROLE=server).
if (process.env.BENCH_ROLE === "server") {
  const config = loadConfig(process.env);
  const tessera = await createTessera(config);
  const app = await buildApp(tessera, { logger: false, closeTessera: true });
  for (const user of [
    { ...ADMIN, isAdmin: true },
    { ...USER, isAdmin: false },
  ]) {
    await createUser(app.tessera, null, { ...user, mustChangePassword: false });
  }
  // The server's own view: how late its event loop ran (what any request waits at least).
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  app.get("/bench/loop-delay", { config: { excludeFromAuth: true } }, async () => {
    const figures = {
      p50: lag.percentile(50) / 1e6,
      p99: lag.percentile(99) / 1e6,
      max: lag.max / 1e6,
    };
    lag.reset();
    return figures;
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
} else {
  await main();
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-bench-users-"));
  const secret = randomBytes(32).toString("base64url");
  let databaseUrl: string;
  let drop = async () => {};
  if (DIALECT === "postgres") {
    ({ url: databaseUrl, drop } = await createBenchPostgresDatabase());
  } else {
    databaseUrl = join(dataDir, "users.db");
  }
  const env = serverEnv(databaseUrl, dataDir, secret);
  const server = await startServer(env);
  const base = `http://127.0.0.1:${server.port}`;
  try {
    console.log(`${DIALECT}: ${USERS} users (${IMPORT_USERS} by tessera import)`);
    const adminToken = await signIn(base, ADMIN);
    await signInAndMe(base, "baseline, 2 users");

    // 2. tessera import, then the rest in batches.
    const hash = await hashPassword("imported password 1", {
      memoryKib: 1024,
      iterations: 1,
      parallelism: 1,
    });
    const file = join(dataDir, "users.jsonl");
    const lines: string[] = [];
    for (let n = 0; n < IMPORT_USERS; n += 1) {
      lines.push(
        JSON.stringify({
          id: randomUUID(),
          name: nameOf(n),
          email: `${nameOf(n)}@example.org`,
          password_hash: hash,
          is_admin: false,
          totp_secret: null,
          webauthn_credentials: [],
        }),
      );
    }
    writeFileSync(file, `${lines.join("\n")}\n`);
    const importStart = performance.now();
    await runCli(["import", file], env);
    const importSeconds = (performance.now() - importStart) / 1000;
    console.log(
      `tessera import of ${IMPORT_USERS} users: ${importSeconds.toFixed(1)} s (${Math.round(IMPORT_USERS / importSeconds)} users/s)`,
    );
    const direct = await createTessera(loadConfig(env));
    const db = direct.ctx.db;
    const fillStart = performance.now();
    const start = Date.now();
    for (let n = IMPORT_USERS; n < USERS; n += 1000) {
      const rows = [];
      for (let i = n; i < Math.min(USERS, n + 1000); i += 1) {
        rows.push({
          id: randomUUID(),
          name: nameOf(i),
          name_key: nameOf(i),
          email: `${nameOf(i)}@example.org`,
          email_key: `${nameOf(i)}@example.org`,
          password_hash: hash,
          totp_secret: null,
          totp_pending_secret: null,
          totp_last_step: null,
          is_admin: 0 as const,
          must_change_password: 0 as const,
          token_version: 0,
          created_at: start + i,
          updated_at: start + i,
          last_login_at: null,
        });
      }
      await db.insertInto("users").values(rows).execute();
    }
    if (USERS > IMPORT_USERS) {
      console.log(
        `batch insert of ${USERS - IMPORT_USERS} more users: ${((performance.now() - fillStart) / 1000).toFixed(1)} s`,
      );
    }
    // Steady state, not the bulk fill's aftermath: statistics, and on SQLite the fill's
    // write-ahead log checkpointed (else every read of the server walks it).
    await sql`analyze`.execute(db);
    if (DIALECT === "sqlite") await sql`pragma wal_checkpoint(truncate)`.execute(db);
    const later = await db
      .selectFrom("users")
      .select(["created_at", "id"])
      .orderBy("created_at")
      .orderBy("id")
      .offset(Math.floor(USERS * 0.9))
      .limit(1)
      .executeTakeFirstOrThrow();
    const laterCursor = encodeCursor({ createdAtMs: Number(later.created_at), id: later.id });
    await direct.close();

    // 3. The list as an admin.
    const auth = { authorization: `Bearer ${adminToken}` };
    const narrow = nameOf(Math.floor(USERS / 2)).slice(0, -1);
    const broad = nameOf(0).slice(0, -4);
    const cases: [string, string, number][] = [
      ["first page, 50 (with the count)", "/users", 300],
      ["first page, 200 (with the count)", "/users?limit=200", 200],
      ["page at 90%, 50", `/users?cursor=${laterCursor}`, 300],
      ["page at 90%, 200", `/users?limit=200&cursor=${laterCursor}`, 200],
      [`search q=${narrow} (10 match)`, `/users?q=${narrow}`, 300],
      [`search q=${broad} (10% match)`, `/users?q=${broad}`, 100],
      ["filter admin=true (1 match)", "/users?admin=true", 50],
    ];
    for (const [label, path, count] of cases) {
      const sizes: number[] = [];
      const times = await timeRequests(count, async () => {
        const response = await fetch(base + path, { headers: auth });
        if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
        sizes.push((await response.arrayBuffer()).byteLength);
      });
      console.log(
        `GET ${label.padEnd(34)} ${stats(times)}  (${(sizes[0]! / 1024).toFixed(0)} KiB)`,
      );
    }

    // 4. /healthz alone, then while 20 clients page through the whole list.
    const idle = await timeRequests(200, async () => {
      await (await fetch(`${base}/healthz`)).arrayBuffer();
    });
    console.log(`/healthz alone${" ".repeat(26)}${stats(idle)}`);
    const deadline = Date.now() + LOAD_SECONDS * 1000;
    let pages = 0;
    let walks = 0;
    const client = async () => {
      let cursor: string | null = null;
      while (Date.now() < deadline) {
        const path: string =
          cursor === null ? "/users?limit=200" : `/users?limit=200&cursor=${cursor}`;
        const response = await fetch(base + path, { headers: auth });
        if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
        await response.arrayBuffer();
        pages += 1;
        cursor = response.headers.get("x-next-cursor");
        if (cursor === null) walks += 1;
      }
    };
    // The probe runs in its own process: in this one it would queue behind the 20 clients'
    // responses and time this process's event loop, not the server's.
    const loopDelay = async () =>
      (await (await fetch(`${base}/bench/loop-delay`)).json()) as Record<string, number>;
    await loopDelay(); // reset
    const probe = probeHealth(`${base}/healthz`, LOAD_SECONDS);
    await Promise.all(Array.from({ length: PAGING_CLIENTS }, client));
    const health = await probe;
    const lag = await loopDelay();
    console.log(
      `/healthz while ${PAGING_CLIENTS} clients page (200 a page) for ${LOAD_SECONDS} s: ${stats(health)}; ${pages} pages (${(pages / LOAD_SECONDS).toFixed(0)}/s), ${walks} whole walks`,
    );
    console.log(
      `server event-loop delay meanwhile: p50 ${lag.p50!.toFixed(1)} ms  p99 ${lag.p99!.toFixed(1)} ms  max ${lag.max!.toFixed(1)} ms`,
    );

    // 5. Sign-in and /me again.
    await signInAndMe(base, `${USERS} users`);
  } finally {
    server.stop();
    await drop();
  }
}

function nameOf(n: number): string {
  return `user${String(n).padStart(6, "0")}`;
}

async function signIn(base: string, who: { name: string; password: string }): Promise<string> {
  const response = await fetch(`${base}/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: who.name, password: who.password }),
  });
  if (response.status !== 200) throw new Error(`POST /token: ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function signInAndMe(base: string, label: string): Promise<void> {
  const login = await timeRequests(30, async () => {
    const response = await fetch(`${base}/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:8000" },
      body: JSON.stringify({ name: USER.name, password: USER.password }),
    });
    if (response.status !== 200) throw new Error(`POST /login: ${response.status}`);
    await response.arrayBuffer();
  });
  const token = await signIn(base, USER);
  const me = await timeRequests(500, async () => {
    const response = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`GET /me: ${response.status}`);
    await response.arrayBuffer();
  });
  console.log(`POST /login (${label.padEnd(17)})       ${stats(login)}`);
  console.log(`GET /me (${label.padEnd(17)})           ${stats(me)}`);
}

/** Runs `request` `count` times one after another; the milliseconds each took. */
async function timeRequests(count: number, request: () => Promise<void>): Promise<number[]> {
  await request(); // warm-up (connection, statement caches)
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const t = performance.now();
    await request();
    times.push(performance.now() - t);
  }
  return times;
}

function stats(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return `p50 ${at(0.5).toFixed(1).padStart(6)} ms  p99 ${at(0.99).toFixed(1).padStart(6)} ms  max ${sorted.at(-1)!.toFixed(1).padStart(6)} ms  (n=${times.length})`;
}

/** `/healthz` every 20 ms for `seconds`, from a separate process; the milliseconds each took. */
async function probeHealth(url: string, seconds: number): Promise<number[]> {
  const script = `
    const times = [];
    const end = Date.now() + ${seconds * 1000};
    (async () => {
      while (Date.now() < end) {
        const t = performance.now();
        await (await fetch(${JSON.stringify(url)})).arrayBuffer();
        times.push(performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      process.stdout.write(JSON.stringify(times));
    })();`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  pin(child.pid!, Number(process.env.BENCH_PROBE_CORE ?? 1));
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  return JSON.parse(out) as number[];
}

async function startServer(env: Record<string, string>): Promise<{ port: number; stop(): void }> {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", new URL(import.meta.url).pathname],
    {
      env: { ...process.env, ...env, BENCH_ROLE: "server" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  // The server alone on core 0; the clients (this process) and the probe on core 1.
  if (pin(child.pid!, 0) && pin(process.pid, 1))
    console.log("pinned: server on core 0, clients on core 1");
  return { port, stop: () => child.kill("SIGTERM") };
}

async function runCli(args: string[], env: Record<string, string>): Promise<void> {
  const cli = new URL("../src/cli.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, ["--import", "tsx", cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`tessera ${args.join(" ")} exited with ${code}`);
}
