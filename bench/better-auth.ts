/**
 * `npx tsx bench/better-auth.ts` (issue 20): the session check beside Better Auth's, each
 * server pinned to core 0 (`taskset -c 0`) and autocannon (this process) on core 1, 50
 * connections, rounds alternating between the two: Better Auth's `GET /api/auth/get-session`
 * with its defaults on SQLite (better-sqlite3) against Tessera's `GET /me` (the standalone
 * server's settings, SQLite, session cache on). Both answer the signed-in user.
 *
 * Better Auth is not a dependency of Tessera: install it in a directory of your own first and
 * name it in `BETTER_AUTH_DIR` (the version the issue measured):
 *
 *   npm install --prefix /tmp/better-auth better-auth@1.7.25 better-sqlite3@12
 *   BETTER_AUTH_DIR=/tmp/better-auth taskset -c 1 npx tsx bench/better-auth.ts
 *
 * Without `BETTER_AUTH_DIR` it says so and exits with 2 (nothing to compare with).
 * BENCH_SECONDS=5 and BENCH_ROUNDS=3 by default.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const SERVER_CORE = process.env.BENCH_SERVER_CORE ?? "0";
const PINNED = spawnSync("taskset", ["-V"]).status === 0;
const dir = process.env.BETTER_AUTH_DIR;

/** Better Auth's server: its defaults, email and password on, one user signed in. */
const BETTER_AUTH_SERVER = `
import { createServer } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
const server = createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = "http://127.0.0.1:" + server.address().port;
const options = {
  database: new Database(join(mkdtempSync(join(tmpdir(), "better-auth-")), "auth.db")),
  secret: "a-benchmark-secret-of-more-than-32-characters",
  baseURL: base,
  emailAndPassword: { enabled: true },
  telemetry: { enabled: false },
};
await (await getMigrations(options)).runMigrations();
const auth = betterAuth(options);
server.on("request", toNodeHandler(auth));
const headers = { "content-type": "application/json", origin: base };
const user = { email: "bench@example.org", password: "plain horse staple 123", name: "bench" };
await fetch(base + "/api/auth/sign-up/email", { method: "POST", headers, body: JSON.stringify(user) });
const signIn = await fetch(base + "/api/auth/sign-in/email", {
  method: "POST", headers, body: JSON.stringify({ email: user.email, password: user.password }),
});
const cookie = signIn.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
const session = await (await fetch(base + "/api/auth/get-session", { headers: { cookie } })).json();
if (session?.user?.email !== user.email) throw new Error("Better Auth: no session");
process.stdout.write(JSON.stringify({ url: base + "/api/auth/get-session", cookie }) + "\\n");
`;

interface Server {
  url: string;
  cookie: string;
  stop(): void;
}

/** Starts a server (pinned) and returns the JSON line it prints when ready, and a stop. */
async function start<T>(command: string[], cwd: string): Promise<{ info: T; stop(): void }> {
  const [file, args] = PINNED
    ? ["taskset", ["-c", SERVER_CORE, ...command]]
    : [command[0] as string, command.slice(1)];
  const proc = spawn(file, args, { cwd, stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`${command.join(" ")} exited with ${code}`)));
  });
  return { info: JSON.parse(line) as T, stop: () => proc.kill() };
}

async function rate(title: string, server: Server): Promise<number> {
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    headers: { cookie: server.cookie },
  });
  const perSecond = result["2xx"] / DURATION_SECONDS;
  console.log(
    `${title.padEnd(36)} ${perSecond.toFixed(0).padStart(8)} /s (non-2xx ${result.non2xx}, errors ${result.errors}) p99 ${result.latency.p99} ms`,
  );
  return perSecond;
}

if (dir === undefined || !existsSync(join(dir, "node_modules", "better-auth"))) {
  console.log(
    "BETTER_AUTH_DIR is not set to a directory with better-auth installed: nothing to compare with.\n" +
      "  npm install --prefix /tmp/better-auth better-auth@1.7.25 better-sqlite3@12",
  );
  process.exit(2);
}
writeFileSync(join(dir, "tessera-bench-server.mjs"), BETTER_AUTH_SERVER);
console.log(PINNED ? `servers pinned to core ${SERVER_CORE}` : "taskset not found: nothing pinned");
const started = await start<{ url: string; cookie: string }>(
  [process.execPath, "tessera-bench-server.mjs"],
  dir,
);
const betterAuth: Server = { ...started.info, stop: started.stop };
const ours = await start<{ port: number; token: string }>(
  [process.execPath, "--import", "tsx", "bench/http-server.ts"],
  process.cwd(),
);
const tessera: Server = {
  url: `http://127.0.0.1:${ours.info.port}/me`,
  cookie: `token=${ours.info.token}`,
  stop: ours.stop,
};
try {
  // Warm-up: both JITs settle (Better Auth's first second ran at about 60% of its later rate).
  for (const server of [betterAuth, tessera]) {
    await autocannon({
      url: server.url,
      connections: CONNECTIONS,
      duration: 3,
      headers: { cookie: server.cookie },
    });
  }
  const ratios: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`--- round ${round} of ${ROUNDS} ---`);
    const before = await rate("Better Auth GET /api/auth/get-session", betterAuth);
    const me = await rate("Tessera GET /me", tessera);
    const after = await rate("Better Auth GET /api/auth/get-session", betterAuth);
    ratios.push(me / ((before + after) / 2));
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(
    `session check, Tessera / Better Auth [${ratios.map((r) => `${r.toFixed(1)}x`).join(" ")}]: ${median.toFixed(1)}x (target >= 25x)`,
  );
} finally {
  betterAuth.stop();
  tessera.stop();
}
