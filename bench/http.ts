/**
 * `npm run bench:http`: the server in a child process, autocannon (50 connections) in this one.
 *  1. The same small answer behind authentication (`/bench/private`, a valid session cookie)
 *     and on a public route of the same app that does no auth: the ratio is what
 *     authentication costs per request. GET /me is run too and shown as its own ratio: it
 *     also builds and serialises the user view. Twice: with the session cache
 *     (the hot path reads no database) and without it (TESSERA_SESSION_CACHE=off), each in its
 *     own server process, with p99 latencies; and with an EdDSA session (issue 13:
 *     TESSERA_JWT_ALGORITHM=EdDSA, cache on) against the public route of that server.
 *  2. POST /login per second (default Argon2id m=19456 t=2 p=1) against raw `hashPassword`
 *     per second at the same concurrency, measured in this run. That concurrency is what the
 *     hashing gate admits (its slots plus its queue): more parallel sign-ins are shed with 503
 *     by design (issue 14), and the ratio would then count the shedding, not the sign-in path.
 * Figures are ratios within one run; the machine is shared, absolute numbers move.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { availableParallelism } from "node:os";
import { hashPassword } from "../src/core/password.js";
import { DEFAULT_HASH_QUEUE_PER_SLOT } from "../src/services/abuse/hash-gate.js";

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
/** Parallel sign-ins the hashing gate takes without shedding, with its defaults. */
const LOGIN_CONNECTIONS = availableParallelism() * (1 + DEFAULT_HASH_QUEUE_PER_SLOT);

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
  const privateRate = await run(`GET /bench/private (${label})`, {
    url: `${server.base}/bench/private`,
    headers: { cookie: `token=${server.token}` },
  });
  const meRate = await run(`GET /me (${label})`, {
    url: `${server.base}/me`,
    headers: { cookie: `token=${server.token}` },
  });
  const after = await run(`GET /bench/public (${label})`, { url: `${server.base}/bench/public` });
  const publicRate = (before + after) / 2;
  console.log(
    `authenticated / public, ${label}: ${((privateRate / publicRate) * 100).toFixed(1)}% (target >= 80% with the cache)`,
  );
  console.log(
    `GET /me / public, ${label}: ${((meRate / publicRate) * 100).toFixed(1)}% (/me also builds and serialises the user view)`,
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

  const loginRate = await run(`POST /login (Argon2id default, ${LOGIN_CONNECTIONS} conn.)`, {
    url: `${base}/login`,
    connections: LOGIN_CONNECTIONS,
    method: "POST",
    headers: { "content-type": "application/json", origin: "http://localhost:8000" },
    body: JSON.stringify({ name, password }),
  });

  // Raw hashing at the same concurrency, while the server sits idle.
  let hashes = 0;
  const until = Date.now() + DURATION_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: LOGIN_CONNECTIONS }, async () => {
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
