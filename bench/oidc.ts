/**
 * `npm run bench:oidc` (`tsx bench/oidc.ts`): the OpenID provider's token endpoint on one core,
 * and the cost of an ID token (issue 21).
 *
 * Tessera (`bench/oidc-server.ts`: the real app, SQLite, production settings, the provider on,
 * RS256 ID tokens, one confidential first-party client) runs in a child process started under
 * `taskset -c 0`, so every thread of it (the libuv pool WebCrypto signs on included) shares
 * core 0; this process (autocannon, the code making, part 4) moves to core 1 with
 * `taskset -a -p`. Per repeat (BENCH_REPEATS), against core 0 with the same client (autocannon,
 * BENCH_CONNECTIONS connections):
 *  1. the baselines: bare Fastify answering `GET /` (its own process, also on core 0, stopped
 *     after) and Tessera's `GET /healthz`, BENCH_SECONDS each;
 *  2. code exchange: fresh authorization codes made just before by the real flow over HTTP
 *     (`bench/oidc-codes.ts`: one person signed in once through Tessera's sign-in page, with a
 *     cookie jar; then each code is one `GET /oidc/auth` of that browser, answered 303 to the
 *     redirect URI with the code: the provider's session and grant answer, no interaction),
 *     BENCH_CODES of them or as many as BENCH_MINT_SECONDS make (a code lives a minute); then
 *     each exchanged once, oldest first: `POST /oidc/token` grant_type=authorization_code with
 *     PKCE and client_secret_basic, autocannon's `amount` = the number of codes;
 *  3. refresh: `POST /oidc/token` grant_type=refresh_token for BENCH_SECONDS, each connection a
 *     chain (each answer's new refresh token is that connection's next request; rotation is
 *     on), started from the refresh tokens the exchanges returned. Every token is sent once;
 *     the bench counts any sent twice (the refresh grace would answer those cheaply).
 * Every answer is checked (200 with an ID token and a refresh token; anything else is counted
 * by status and OAuth error). Reported: requests/s, milliseconds of the core per request
 * (1/rate: with SQLite on a disk that includes the fsync of every commit, which blocks the event
 * loop, better-sqlite3 being synchronous), and the ratios to both baselines; per repeat, then
 * the median and the spread (min-max).
 *  4. The cost of an ID token, in this process (core 1): see `bench/oidc-id-token.ts`.
 *
 *   BENCH_SECONDS (10)  BENCH_REPEATS (3)  BENCH_CODES (3000)  BENCH_MINT_SECONDS (25)
 *   BENCH_CONNECTIONS (10)  BENCH_PIN (1: pin where there are two cores and taskset; 0: not)
 *   BENCH_DATA_DIR (where the SQLite file goes; default the temporary folder; /dev/shm takes the
 *   disk's fsync out: Tessera's SQLite commits with synchronous=FULL)
 *   BENCH_SERVER_NODE_ARGS (node options of the servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p")
 * Figures are ratios within one run; on a shared machine absolute numbers move.
 *
 * Figures (2026-12-07, `npm run bench:oidc` with the defaults; 2 AMD EPYC vCPUs shared with
 * other engineers' test runs, load average 3.5-4.6 during the run; Node 20.20.2), median
 * (min-max) of 3 repeats, requests/s on one core: code exchange 102 (82-111), refresh 85
 * (67-102); bare Fastify 6,611 (5,098-6,934), `/healthz` 4,183 (3,778-5,455). A code exchange
 * is 1.6 % (1.2-2.0) of a bare Fastify request's rate and 2.0 % (2.0-2.7) of `/healthz`'s,
 * about 10 ms of the core; a refresh 1.5 % and 1.9 %, about 12 ms. On the disk each exchange
 * waits for three fsyncs (the code consumed, the access and the refresh token saved; strace
 * counted 3.1 an exchange): with BENCH_DATA_DIR=/dev/shm the same bench gave 176 (96-176)
 * exchanges/s and 141 (128-209) refreshes/s. An RS256 ID token: raw node:crypto sign 1.0 ms,
 * jose 1.1 ms, the provider's `IdToken.issue` 1.2 ms (888/s on one core with 16 in flight),
 * about a tenth of an exchange on the disk (a quarter on /dev/shm); ES256 0.06 ms raw and
 * 0.17 ms through jose, EdDSA 0.06 ms and 0.15 ms. Runs under load average 13 gave 25
 * exchanges/s and 5 ms RSA signatures with the same ratios within a factor of 1.5.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { Browser, mintCodes, signIn, VERIFIER, type TesseraReady } from "./oidc-codes.js";
import { benchIdTokenCost } from "./oidc-id-token.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const CODES = Number(process.env.BENCH_CODES ?? 3000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
/** At most this long making codes (they live 60 s; the exchange follows). */
const MINT_SECONDS = Number(process.env.BENCH_MINT_SECONDS ?? 25);
const PIN = process.env.BENCH_PIN !== "0" && availableParallelism() >= 2 && hasTaskset();
const SERVER_CORE = 0;
const CLIENT_CORE = 1;

function hasTaskset(): boolean {
  return spawnSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" }).status === 0;
}

/** A free TCP port on the loopback: Tessera's issuer must name its own port. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `bench/oidc-server.ts` in a role, on the server core; its ready line. */
async function startServer<T>(
  role: "tessera" | "hello",
  env: Record<string, string> = {},
): Promise<{ ready: T; child: ChildProcess }> {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const node = [process.execPath, ...nodeArgs, "--import", "tsx", "bench/oidc-server.ts"];
  const [command, ...args] = PIN ? ["taskset", "-c", String(SERVER_CORE), ...node] : node;
  const child = spawn(command!, args, {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...env, BENCH_ROLE: role },
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${role} server exited with ${code}`)));
  });
  return { ready: JSON.parse(line) as T, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

interface Rate {
  rate: number;
  line: string;
}

function describe(label: string, result: autocannon.Result, ok: number, extra = ""): Rate {
  const rate = ok / result.duration;
  const line = `${label.padEnd(44)} ${rate.toFixed(0).padStart(7)} req/s  (200 ${ok}, other ${result.non2xx}, errors ${result.errors}, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms${extra})`;
  console.log(`  ${line}`);
  return { rate, line };
}

async function plain(label: string, url: string): Promise<Rate> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
  return describe(label, result, result["2xx"]);
}

function tokenRequest(tessera: TesseraReady) {
  const basic = Buffer.from(`${tessera.clientId}:${tessera.clientSecret}`).toString("base64");
  return {
    url: `http://127.0.0.1:${tessera.port}/oidc/token`,
    connections: CONNECTIONS,
    method: "POST" as const,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${basic}`,
    },
  };
}

/** Checks a token answer; its refresh token (undefined unless a 200 with an ID token). */
function tokenAnswer(status: number, body: string, problems: Map<string, number>) {
  const count = (what: string) => problems.set(what, (problems.get(what) ?? 0) + 1);
  if (status !== 200) {
    const error = (() => {
      try {
        return (JSON.parse(body) as { error?: string }).error;
      } catch {
        return undefined;
      }
    })();
    count(`${status} ${error ?? ""}`.trim());
    return undefined;
  }
  const answer = JSON.parse(body) as { id_token?: string; refresh_token?: string };
  if (answer.id_token === undefined) count("200 without an ID token");
  if (answer.refresh_token === undefined) count("200 without a refresh token");
  return { refreshToken: answer.refresh_token, idToken: answer.id_token };
}

function problemsText(problems: Map<string, number>): string {
  return problems.size === 0
    ? ""
    : `; ${[...problems].map(([what, n]) => `${n}× ${what}`).join(", ")}`;
}

/** Each code exchanged once; the refresh tokens and one ID token the answers gave. */
async function exchange(tessera: TesseraReady, codes: string[]) {
  let next = 0; // oldest first: the first made is the first to expire
  const refreshTokens: string[] = [];
  let idToken: string | undefined;
  const problems = new Map<string, number>();
  let ok = 0;
  const result = await autocannon({
    ...tokenRequest(tessera),
    amount: codes.length,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: new URLSearchParams({
            grant_type: "authorization_code",
            code: codes[next++] ?? "none-left",
            redirect_uri: tessera.redirectUri,
            code_verifier: VERIFIER,
          }).toString(),
        }),
        onResponse: (status, body) => {
          const answer = tokenAnswer(status, body, problems);
          if (answer === undefined) return;
          ok += 1;
          if (answer.refreshToken !== undefined) refreshTokens.push(answer.refreshToken);
          idToken ??= answer.idToken;
        },
      },
    ],
  });
  const rate = describe("POST /oidc/token, authorization_code", result, ok, problemsText(problems));
  return { ...rate, refreshTokens, idToken };
}

/**
 * Refresh chains for SECONDS. autocannon calls a connection's `setupRequest` for its next
 * request synchronously after that connection's `onResponse` (one request in flight per
 * connection), so the successor handed over in between is that connection's own.
 */
async function refresh(tessera: TesseraReady, pool: string[]): Promise<Rate> {
  let successor: string | undefined;
  const sent = new Set<string>();
  let reused = 0;
  let fromPool = 0;
  const problems = new Map<string, number>();
  let ok = 0;
  const result = await autocannon({
    ...tokenRequest(tessera),
    duration: SECONDS,
    requests: [
      {
        setupRequest: (request) => {
          let token = successor;
          successor = undefined;
          if (token === undefined) {
            token = pool.pop() ?? "none-left";
            fromPool += 1;
          }
          if (sent.has(token)) reused += 1;
          sent.add(token);
          return {
            ...request,
            body: new URLSearchParams({
              grant_type: "refresh_token",
              refresh_token: token,
            }).toString(),
          };
        },
        onResponse: (status, body) => {
          const answer = tokenAnswer(status, body, problems);
          if (answer === undefined) return;
          ok += 1;
          successor = answer.refreshToken;
        },
      },
    ],
  });
  return describe(
    "POST /oidc/token, refresh_token (chains)",
    result,
    ok,
    `, ${fromPool} chains, ${reused} tokens sent twice${problemsText(problems)}`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  if (
    PIN &&
    spawnSync("taskset", ["-a", "-p", "-c", String(CLIENT_CORE), String(process.pid)], {
      stdio: "ignore",
    }).status === 0
  ) {
    console.log(`pinned: servers on core ${SERVER_CORE}, this process on core ${CLIENT_CORE}`);
  } else {
    console.log("not pinned (BENCH_PIN=0, one core, or no taskset): figures are the machine's");
  }
  const port = await freePort();
  const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), "tessera-bench-oidc-"));
  const issuer = `http://127.0.0.1:${port}`;
  const { ready: tessera, child } = await startServer<TesseraReady>("tessera", {
    NODE_ENV: "production",
    TESSERA_PORT: String(port),
    TESSERA_PUBLIC_URL: issuer,
    TESSERA_DATABASE_URL: join(dir, "oidc.db"),
    TESSERA_DATA_DIR: dir,
    TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"),
    TESSERA_KEY_ENCRYPTION_SECRET: randomBytes(32).toString("base64url"),
    TESSERA_LOG_LEVEL: "silent",
    // No sign-in is measured: cheap Argon2 for the one sign-in.
    TESSERA_ARGON2_MEMORY_KIB: "1024",
    TESSERA_ARGON2_ITERATIONS: "1",
    TESSERA_ARGON2_PARALLELISM: "1",
    // autocannon keeps its connections open (the default would close each after 1,000).
    TESSERA_MAX_REQUESTS_PER_SOCKET: "0",
  });
  const figures = {
    hello: [] as number[],
    healthz: [] as number[],
    code: [] as number[],
    refresh: [] as number[],
  };
  let idToken: string | undefined;
  try {
    const browser = new Browser(issuer);
    await signIn(browser, tessera);
    for (let repeat = 1; repeat <= REPEATS; repeat += 1) {
      console.log(`\nrepeat ${repeat} of ${REPEATS} (${CONNECTIONS} connections)`);
      const hello = await startServer<{ port: number }>("hello");
      try {
        figures.hello.push(
          (await plain("GET / (bare Fastify)", `http://127.0.0.1:${hello.ready.port}/`)).rate,
        );
      } finally {
        await stop(hello.child);
      }
      figures.healthz.push((await plain("GET /healthz (Tessera)", `${issuer}/healthz`)).rate);
      const minted = await mintCodes(browser, tessera, CODES, MINT_SECONDS);
      console.log(
        `  (${minted.codes.length} codes made in ${minted.seconds.toFixed(1)} s, ${minted.hops.toFixed(1)} request(s) each)`,
      );
      const exchanged = await exchange(tessera, minted.codes);
      figures.code.push(exchanged.rate);
      idToken ??= exchanged.idToken;
      figures.refresh.push((await refresh(tessera, exchanged.refreshTokens)).rate);
    }
  } finally {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`\nmedian of ${REPEATS} repeat(s) (min-max)`);
  const spread = (list: number[], digits: number) =>
    `${median(list).toFixed(digits)} (${Math.min(...list).toFixed(digits)}-${Math.max(...list).toFixed(digits)})`;
  const row = (label: string, values: number[]) =>
    console.log(
      `  ${label.padEnd(36)} ${spread(values, 0).padStart(18)} req/s   ${spread(
        values.map((v) => 1000 / v),
        2,
      ).padStart(20)} ms each (1/rate)`,
    );
  row("bare Fastify GET /", figures.hello);
  row("Tessera GET /healthz", figures.healthz);
  row("token endpoint, authorization_code", figures.code);
  row("token endpoint, refresh_token", figures.refresh);
  const ratios = (label: string, values: number[]) => {
    const of = (base: number[]) =>
      spread(
        values.map((v, i) => (v / base[i]!) * 100),
        1,
      );
    console.log(
      `  ${label.padEnd(36)} ${of(figures.hello)} % of bare Fastify, ${of(figures.healthz)} % of /healthz`,
    );
  };
  ratios("authorization_code", figures.code);
  ratios("refresh_token", figures.refresh);

  if (idToken === undefined) throw new Error("no ID token came back");
  const issuePerSecond = await benchIdTokenCost(idToken);
  // Both are time on one core (1/rate), measured on different cores at different moments: rough.
  console.log(
    `  an RS256 ID token (the provider's path, in flight) is about ${((median(figures.code) / issuePerSecond) * 100).toFixed(0)} % of a code exchange (1/its rate) and ${((median(figures.refresh) / issuePerSecond) * 100).toFixed(0)} % of a refresh's (rough: other core, other moment)`,
  );
}

await main();
