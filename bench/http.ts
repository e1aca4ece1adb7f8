/**
 * `npm run bench:http`: the server in a child process, autocannon (50 connections) in this one.
 *  1. GET /me with a valid cookie (JWT verify + user lookup) against a public route of the
 *     same app that does no auth: the ratio is what authentication costs per request.
 *  2. POST /login per second (default Argon2id m=19456 t=2 p=1) against raw `hashPassword`
 *     per second at the same concurrency, measured in this run.
 * Figures are ratios within one run; the machine is shared, absolute numbers move.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { hashPassword } from "../src/core/password.js";

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;

const child = spawn(process.execPath, ["--import", "tsx", "bench/http-server.ts"], {
  stdio: ["ignore", "pipe", "inherit"],
});
const first = await new Promise<string>((resolve, reject) => {
  createInterface({ input: child.stdout }).once("line", resolve);
  child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
});
const { port, token, name, password } = JSON.parse(first) as {
  port: number;
  token: string;
  name: string;
  password: string;
};
const base = `http://127.0.0.1:${port}`;

async function run(title: string, options: autocannon.Options): Promise<number> {
  const result = await autocannon({
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    ...options,
  });
  const ok = result["2xx"];
  const rate = ok / DURATION_SECONDS;
  console.log(
    `${title.padEnd(34)} ${rate.toFixed(0).padStart(7)} req/s (2xx ${ok}, non-2xx ${result.non2xx}, errors ${result.errors}) p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms`,
  );
  return rate;
}

try {
  // Warm-up, then the two routes of the same app.
  await autocannon({ url: `${base}/bench/public`, connections: 10, duration: 2 });
  const publicRate = await run("GET /bench/public (no auth)", { url: `${base}/bench/public` });
  const meRate = await run("GET /me (cookie)", {
    url: `${base}/me`,
    headers: { cookie: `token=${token}` },
  });
  console.log(
    `authenticated / public: ${((meRate / publicRate) * 100).toFixed(1)}% (target >= 80%)`,
  );

  const loginRate = await run("POST /login (Argon2id default)", {
    url: `${base}/login`,
    method: "POST",
    headers: { "content-type": "application/json", origin: "http://localhost:8000" },
    body: JSON.stringify({ name, password }),
  });

  // Raw hashing at the same concurrency, while the server sits idle.
  let hashes = 0;
  const until = Date.now() + DURATION_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        await hashPassword(password);
        hashes += 1;
      }
    }),
  );
  const hashRate = hashes / DURATION_SECONDS;
  console.log(
    `${"raw hashPassword (same params)".padEnd(34)} ${hashRate.toFixed(1).padStart(7)} hashes/s`,
  );
  console.log(`login / raw hashing: ${((loginRate / hashRate) * 100).toFixed(1)}% (target >= 90%)`);
} finally {
  child.kill("SIGTERM");
}
