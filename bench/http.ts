/**
 * `npm run bench:http`: the server in a child process, autocannon (50 connections) in this one.
 *  1. GET /me with a valid session cookie against a public route of the same app that does no
 *     auth: the ratio is what authentication costs per request. Twice: with the session cache
 *     (the hot path reads no database) and without it (TESSERA_SESSION_CACHE=off), each in its
 *     own server process, with p99 latencies; and with an EdDSA session (issue 13:
 *     TESSERA_JWT_ALGORITHM=EdDSA, cache on) against the public route of that server.
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

interface BenchServer {
  base: string;
  token: string;
  name: string;
  password: string;
  stop(): void;
}

async function startServer(
  sessionCache: "on" | "off",
  algorithm: "HS256" | "EdDSA" = "HS256",
): Promise<BenchServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/http-server.ts"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, TESSERA_SESSION_CACHE: sessionCache, TESSERA_JWT_ALGORITHM: algorithm },
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
  return {
    base: `http://127.0.0.1:${port}`,
    token,
    name,
    password,
    stop: () => child.kill("SIGTERM"),
  };
}

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

/** Public route and GET /me of one server: the ratio of their rates. */
async function compare(server: BenchServer, label: string): Promise<void> {
  await autocannon({ url: `${server.base}/bench/public`, connections: 10, duration: 2 });
  await autocannon({
    url: `${server.base}/me`,
    connections: 10,
    duration: 2,
    headers: { cookie: `token=${server.token}` },
  });
  // Public, /me, public again: the baseline is the mean of the two around it (the machine is
  // shared, and a single run drifts).
  const before = await run(`GET /bench/public (${label})`, { url: `${server.base}/bench/public` });
  const meRate = await run(`GET /me (${label})`, {
    url: `${server.base}/me`,
    headers: { cookie: `token=${server.token}` },
  });
  const after = await run(`GET /bench/public (${label})`, { url: `${server.base}/bench/public` });
  const publicRate = (before + after) / 2;
  console.log(
    `authenticated / public, ${label}: ${((meRate / publicRate) * 100).toFixed(1)}% (target >= 80% with the cache)`,
  );
}

const uncached = await startServer("off");
try {
  await compare(uncached, "cache off");
} finally {
  uncached.stop();
}

const eddsa = await startServer("on", "EdDSA");
try {
  await compare(eddsa, "EdDSA session, cache on");
} finally {
  eddsa.stop();
}

const server = await startServer("on");
try {
  await compare(server, "cache on");
  const { base, name, password } = server;

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
  server.stop();
}
