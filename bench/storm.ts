/**
 * A sign-in storm against the real server (issue 14 item 3, issue 20 items 5 and 6): 500
 * attackers send wrong passwords for made-up names from made-up addresses (X-Forwarded-For
 * through a trusted loopback proxy), as fast as they can, and pay the proof of work whenever
 * the server asks for one (a determined attacker: native PBKDF2, all 500 loops at once). Meanwhile
 * a person signs in from a new device (no device cookie: solving the challenge as the sign-in
 * page does, with WebCrypto) in a loop, signs in with a device cookie every 250 ms, and a
 * signed-in client reads `GET /me` every 20 ms. The server runs in a child process pinned to
 * one core (default Argon2 parameters, a fresh SQLite database, counters in the database: the
 * default without Redis), the attackers in another pinned to the other core (`taskset`; without
 * it, or on one core, they are not pinned and the run says so).
 *
 *   npx tsx bench/storm.ts        (TESSERA_STORM_SECONDS=20, at most 30; loopback only;
 *                                  TESSERA_PROOF_OF_WORK=off for the server without it)
 *
 * Reports, before (baseline) and during the storm, the new-device (with and without the time it
 * spent solving: here the person's solver shares a core with the attackers, where a browser
 * has its own) and device-cookie sign-in latencies and `/me`, against issue 20's targets (new-device p50 < 2 s, device-cookie p50 <
 * 500 ms, `/me` p99 < 100 ms); the server's RSS before, at its peak and after; and what the
 * attackers got.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { Agent, request } from "node:http";
import { solveChallenge, type Challenge } from "altcha-lib";
import { deriveKey as nativePbkdf2 } from "altcha-lib/algorithms/pbkdf2";
import { deriveKey as webCryptoPbkdf2 } from "altcha-lib/algorithms/web/pbkdf2";

const STORM_SECONDS = Math.min(30, Number(process.env.TESSERA_STORM_SECONDS ?? 20));
const BASELINE_SECONDS = 4;
const ATTACKERS = 500;
const ORIGIN = "http://tessera.test";
const VICTIM = { name: "victim", password: "a long passphrase of hers" };
const TARGETS = { newDeviceP50Ms: 2_000, deviceCookieP50Ms: 500, meP99Ms: 100 };

interface Answer {
  status: number;
  ms: number;
  setCookie: string[];
  body: string;
}

function send(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent,
        headers: {
          ...(payload === undefined ? {} : { "content-type": "application/json", origin: ORIGIN }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            setCookie: res.headers["set-cookie"] ?? [],
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", () =>
      resolve({ status: 0, ms: performance.now() - started, setCookie: [], body: "" }),
    );
    req.end(payload);
  });
}

/** The challenge of a 429 `proof_of_work_*`, else null. */
function challengeOf(answer: Answer): Challenge | null {
  if (answer.status !== 429) return null;
  try {
    const body = JSON.parse(answer.body) as { code?: string; extra?: { challenge?: Challenge } };
    return body.code?.startsWith("proof_of_work_") === true
      ? (body.extra?.challenge ?? null)
      : null;
  } catch {
    return null;
  }
}

/**
 * A sign-in that solves the proof of work when asked (at most 3 times), as the sign-in page
 * does (`src/web/client/lib/proof-of-work.ts`); the whole time, solving included.
 */
async function signInSolving(
  agent: Agent,
  port: number,
  headers: Record<string, string>,
  body: Record<string, unknown>,
  deriveKey: typeof webCryptoPbkdf2,
  untilMs = Number.POSITIVE_INFINITY,
): Promise<Answer & { solved: number; solveMs: number }> {
  const started = performance.now();
  let solveMs = 0;
  let proof: string | undefined;
  for (let solved = 0; ; solved += 1) {
    const answer = await send(agent, port, "POST", "/login", headers, {
      ...body,
      ...(proof === undefined ? {} : { proof_of_work: proof }),
    });
    const challenge = challengeOf(answer);
    if (challenge === null || solved === 3) {
      return { ...answer, ms: performance.now() - started, solved, solveMs };
    }
    const timeout = Math.min(90_000, untilMs - performance.now());
    const solving = performance.now();
    const solution = timeout <= 0 ? null : await solveChallenge({ challenge, deriveKey, timeout });
    solveMs += performance.now() - solving;
    // Out of time (the storm is over): the unsolved answer stands.
    if (solution === null) return { ...answer, ms: performance.now() - started, solved, solveMs };
    proof = Buffer.from(JSON.stringify({ challenge, solution })).toString("base64");
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (tally: Record<string, number>, key: string | number) => {
  tally[key] = (tally[key] ?? 0) + 1;
};

/** This file again as a child (`--server` or `--attackers`), pinned to `core` when possible. */
function child(role: string, core: number | null, args: string[] = []): ChildProcess {
  const node = [process.execPath, "--import", "tsx", import.meta.filename, role, ...args];
  const [command, ...rest] = core === null ? node : ["taskset", "-c", String(core), ...node];
  return spawn(command!, rest, { stdio: ["inherit", "inherit", "inherit", "ipc"] });
}

const message = <T>(process: ChildProcess) =>
  new Promise<T>((resolve) => process.once("message", (m) => resolve(m as T)));

// ---- the server, in a child process ---------------------------------------------------------
if (process.argv.includes("--server")) {
  const { createTessera } = await import("../src/runtime.js");
  const { buildApp } = await import("../src/http/app.js");
  const { createUser } = await import("../src/services/account/users.js");
  const { openTestDatabase } = await import("../test/helpers/database.js");
  const database = await openTestDatabase("sqlite");
  const tessera = await createTessera(
    {
      jwtSecret: randomBytes(32).toString("base64url"),
      publicUrl: ORIGIN,
      trustedProxies: ["127.0.0.1"],
      logLevel: "silent",
      // `TESSERA_PROOF_OF_WORK=off npx tsx bench/storm.ts`: the storm as it was before issue 20.
      ...(process.env.TESSERA_PROOF_OF_WORK === "off" ? { proofOfWork: false } : {}),
    },
    {
      database,
      // No mail leaves a bench: dropped, not written to a data folder.
      mailTransport: { kind: "discard", send: async () => undefined, close: async () => undefined },
    },
  );
  await createUser(tessera.ctx, null, {
    ...VICTIM,
    email: "victim@example.org",
    isAdmin: false,
    mustChangePassword: false,
  });
  const app = await buildApp(tessera, { logger: false, closeTessera: true });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const reply = process.send?.bind(process);
  if (reply === undefined || address === null || typeof address === "string") process.exit(1);
  reply({ port: address.port });
  process.on("message", async (m: { rss?: boolean; stop?: boolean }) => {
    if (m.rss === true) reply({ rss: process.memoryUsage().rss });
    if (m.stop === true) {
      await app.close();
      await database.cleanup();
      process.exit(0);
    }
  });
} else if (process.argv.includes("--attackers")) {
  await attack(Number(process.argv.at(-2)), Number(process.argv.at(-1)));
} else {
  await runStorm();
}

/** The 500 attackers until `seconds` have passed; their tally goes to the parent. */
async function attack(port: number, seconds: number): Promise<void> {
  process.send?.({ ready: true });
  const agent = new Agent({ keepAlive: true, maxSockets: ATTACKERS });
  const statuses: Record<string, number> = {};
  let attempts = 0;
  let solved = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: ATTACKERS }, async (_, a) => {
      for (let i = 0; performance.now() < end; i += 1) {
        const answer = await signInSolving(
          agent,
          port,
          { "x-forwarded-for": `10.${a & 255}.${(i >> 8) & 255}.${i & 255}` },
          { name: `guess-${a}-${i}`, password: "wrong password" },
          nativePbkdf2,
          end,
        );
        attempts += 1;
        solved += answer.solved;
        count(statuses, answer.status);
        // A refused attacker retries after a pause, as a client honouring Retry-After would not.
        if (answer.status === 0) await sleep(50);
      }
    }),
  );
  agent.destroy();
  process.send?.({ attempts, solved, statuses });
}

async function runStorm(): Promise<void> {
  const pinned = availableParallelism() >= 2 && spawnSync("taskset", ["-V"]).status === 0;
  const server = child("--server", pinned ? 0 : null);
  const { port } = await message<{ port: number }>(server);
  const rss = async () => {
    const answer = message<{ rss: number }>(server);
    server.send({ rss: true });
    return (await answer).rss;
  };
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

  const quiet = new Agent({ keepAlive: true, maxSockets: 8 });
  const signIn = await send(quiet, port, "POST", "/login", {}, VICTIM);
  const cookies = signIn.setCookie.map((c) => c.split(";")[0]!);
  const device = cookies.filter((c) => c.startsWith("tessera_device=")).join("; ");
  const session = cookies.filter((c) => c.startsWith("token=")).join("; ");
  if (signIn.status !== 200 || device === "" || session === "") {
    throw new Error(`victim sign-in failed: ${signIn.status}`);
  }

  /** The person's three loops until `untilMs`: new-device and device-cookie sign-ins, /me. */
  async function person(untilMs: number) {
    const fresh: number[] = [];
    const freshStatuses: Record<string, number> = {};
    let freshSolved = 0;
    const solving: number[] = [];
    const waiting: number[] = [];
    const logins: number[] = [];
    const loginStatuses: Record<string, number> = {};
    const me: number[] = [];
    const meStatuses: Record<string, number> = {};
    await Promise.all([
      (async () => {
        while (performance.now() < untilMs) {
          const answer = await signInSolving(quiet, port, {}, VICTIM, webCryptoPbkdf2);
          fresh.push(answer.ms);
          freshSolved += answer.solved;
          if (answer.solved > 0) solving.push(answer.solveMs);
          waiting.push(answer.ms - answer.solveMs);
          count(freshStatuses, answer.status);
          await sleep(250);
        }
      })(),
      (async () => {
        while (performance.now() < untilMs) {
          const answer = await send(quiet, port, "POST", "/login", { cookie: device }, VICTIM);
          logins.push(answer.ms);
          count(loginStatuses, answer.status);
          await sleep(250);
        }
      })(),
      (async () => {
        while (performance.now() < untilMs) {
          const answer = await send(quiet, port, "GET", "/me", { cookie: session });
          me.push(answer.ms);
          count(meStatuses, answer.status);
          await sleep(20);
        }
      })(),
    ]);
    return {
      fresh,
      freshStatuses,
      freshSolved,
      solving,
      waiting,
      logins,
      loginStatuses,
      me,
      meStatuses,
    };
  }

  const rssBefore = await rss();
  const baseline = await person(performance.now() + BASELINE_SECONDS * 1000);

  const attackers = child("--attackers", pinned ? 1 : null, [String(port), String(STORM_SECONDS)]);
  await message<{ ready: true }>(attackers);
  const attackTally = message<{
    attempts: number;
    solved: number;
    statuses: Record<string, number>;
  }>(attackers);
  const stormEnd = performance.now() + STORM_SECONDS * 1000;
  let peak = rssBefore;
  const sampler = (async () => {
    while (performance.now() < stormEnd) {
      peak = Math.max(peak, await rss());
      await sleep(250);
    }
  })();
  const storm = await person(stormEnd);
  const [attack] = await Promise.all([attackTally, sampler]);
  await sleep(2_000);
  const rssAfter = await rss();
  quiet.destroy();
  server.send({ stop: true });

  const ms = (values: number[], p: number) => percentile(values, p).toFixed(1).padStart(8);
  const row = (label: string, base: number[], during: number[], p: number, target?: number) =>
    `${label.padEnd(30)} ${ms(base, p)} ms ${ms(during, p)} ms${
      target === undefined
        ? ""
        : `   target < ${target} ms: ${percentile(during, p) < target ? "met" : "MISSED"}`
    }`;
  console.log(
    `\nSign-in storm: ${ATTACKERS} attackers for ${STORM_SECONDS} s (baseline ${BASELINE_SECONDS} s, no attack); ${
      pinned
        ? "server pinned to core 0, attackers to core 1"
        : "NOT pinned (taskset or 2 cores missing)"
    }\n`,
  );
  console.log(`${"".padEnd(30)} ${"baseline".padStart(11)} ${"storm".padStart(11)}`);
  console.log(
    row("new-device sign-in p50", baseline.fresh, storm.fresh, 50, TARGETS.newDeviceP50Ms),
  );
  console.log(row("new-device sign-in p95", baseline.fresh, storm.fresh, 95));
  console.log(row("new-device, not solving, p50", baseline.waiting, storm.waiting, 50));
  console.log(
    row("device-cookie sign-in p50", baseline.logins, storm.logins, 50, TARGETS.deviceCookieP50Ms),
  );
  console.log(row("device-cookie sign-in p95", baseline.logins, storm.logins, 95));
  console.log(row("GET /me p50", baseline.me, storm.me, 50));
  console.log(row("GET /me p99", baseline.me, storm.me, 99, TARGETS.meP99Ms));
  console.log(
    `\nnew-device sign-ins: ${JSON.stringify(storm.freshStatuses)} (${storm.fresh.length}, ${storm.freshSolved} challenges solved, solving p50 ${percentile(storm.solving, 50).toFixed(0)} ms of the sign-in's time)`,
  );
  console.log(
    `device-cookie sign-ins: ${JSON.stringify(storm.loginStatuses)} (${storm.logins.length})`,
  );
  console.log(`GET /me: ${JSON.stringify(storm.meStatuses)} (${storm.me.length})`);
  console.log(
    `attackers: ${attack.attempts} attempts, ${attack.solved} challenges solved, final answers ${JSON.stringify(attack.statuses)} (400: checked and wrong)`,
  );
  console.log(
    `server RSS: before ${mib(rssBefore)} MiB, peak ${mib(peak)} MiB, after ${mib(rssAfter)} MiB`,
  );
}
