/**
 * `npm run bench:ratios` (issue 20 item 6): the three ratios of the speed targets, in ONE run,
 * each server pinned to one core (`taskset -c 0`) and the load (autocannon, this process) on
 * the other (`taskset -c 1`):
 *  1. POST /login ÷ raw Argon2id verification (`verifyPassword`, default parameters) on the
 *     same pinned core, at its best: the faster of one verification at a time and as many at
 *     once as the sign-in has connections (until stop 29 the baseline was the parallel rate
 *     alone, which is 10-15% slower on one core and flattered the ratio);
 *  2. GET /me ÷ Tessera's own public route (`/bench/public`, excluded from authentication);
 *  3. that public route ÷ bare Fastify's hello (same answer, no plugin).
 * Beside the first, for reference (no target): the floor of any HTTP sign-in on one core, a bare
 * Fastify `POST /login` that parses the same body and runs `verifyPassword` through the same
 * hash gate (one slot on one core) and nothing else, ÷ raw verification; and the sign-in ÷ that
 * floor, which is what Tessera's own sign-in work (SQL, throttle, session, audit, cookies) costs.
 * And, where `/proc` is, the same sign-in ratio in CPU time rather than in answers a second:
 * raw verification's CPU per hash (the process, all threads, one at a time) ÷ the server's CPU
 * per sign-in (all threads). On one saturated core the two agree (they did within 1 point in
 * stop 31's runs); when the CPU figure is clearly higher, the server's core sat idle (waiting on
 * an fsync with no hash running), which the rate alone cannot tell from slow work.
 * The baselines are measured before and after each figure (the mean of the two), since the
 * machine is shared and a single run drifts, and each round starts fresh servers (the same
 * build varies from one process to the next). Absolute numbers move; read the ratios.
 *
 *   taskset -c 1 npx tsx bench/ratios.ts      (BENCH_SECONDS=3, BENCH_ROUNDS=3 by default)
 *
 * Without `taskset` on the machine, nothing is pinned (said in the output).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import Fastify, { type FastifyInstance } from "fastify";
import { hashPassword, verifyPassword } from "../src/core/password.js";
import { createHashGate, DEFAULT_HASH_QUEUE_PER_SLOT } from "../src/services/abuse/hash-gate.js";
import { PRESSURE_THRESHOLD } from "../src/services/abuse/proof-of-work.js";

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
/**
 * Parallel sign-ins: enough to keep the one core's hashing slot busy, and fewer than would put
 * the gate under pressure (half its waiting room taken), where new devices are asked for a
 * proof of work (issue 20 item 5; `bench/storm.ts` measures that). With 9 connections (slot plus
 * full waiting room) every sign-in after the first second was a 429 challenge.
 */
const LOGIN_CONNECTIONS = Math.floor(DEFAULT_HASH_QUEUE_PER_SLOT * PRESSURE_THRESHOLD);
const SERVER_CORE = process.env.BENCH_SERVER_CORE ?? "0";
const PINNED = spawnSync("taskset", ["-V"]).status === 0;
/** Clock ticks a second of `/proc/<pid>/stat`'s times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;

/** The password of `bench/http-server.ts`'s user, which the sign-in's body carries. */
const PASSWORD = "plain horse staple 123";

/**
 * Child modes: `bare` (a bare Fastify hello), `floor` (bare Fastify's sign-in floor) and
 * `verify` (raw verification rate).
 */
const mode = process.argv[2];
if (mode === "bare") {
  const app = Fastify({ logger: false });
  app.get("/hello", async () => ({ id: "00000000-0000-4000-8000-000000000000", name: "public" }));
  await listenAndAnnounce(app);
} else if (mode === "floor") {
  // The floor: bare Fastify, the same body, the same gate around the same verification.
  const hash = await hashPassword(PASSWORD);
  const gate = createHashGate();
  const app = Fastify({ logger: false });
  app.post("/login", async (request, reply) => {
    const body = request.body as { password?: unknown };
    const given = typeof body.password === "string" ? body.password : "";
    const ok = await gate.run("trusted", () => verifyPassword(hash, given));
    return ok ? { ok } : reply.code(400).send({ code: "invalid_credentials" });
  });
  await listenAndAnnounce(app);
} else if (mode === "verify") {
  // Raw verification at its best on this core: one at a time, and as many at once as the
  // sign-in benchmark has connections (four hashes sharing one core run 10-15% slower than
  // one after another, so the faster of the two is the baseline).
  const hash = await hashPassword(PASSWORD);
  const rateAt = async (parallel: number): Promise<number> => {
    let verified = 0;
    const until = Date.now() + DURATION_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (Date.now() < until) {
          if (!(await verifyPassword(hash, PASSWORD))) throw new Error("verify failed");
          verified += 1;
        }
      }),
    );
    return verified / DURATION_SECONDS;
  };
  const cpuBefore = process.cpuUsage();
  const sequential = await rateAt(1);
  const cpu = process.cpuUsage(cpuBefore);
  // CPU per verification, all threads of this process (the hash runs on libuv's pool).
  const cpuMs = (cpu.user + cpu.system) / 1000 / (sequential * DURATION_SECONDS);
  const parallel = await rateAt(LOGIN_CONNECTIONS);
  process.stdout.write(`${JSON.stringify({ sequential, parallel, cpuMs })}\n`);
} else {
  await main();
}

/** Listens on a free port, prints it as the child's one line, and closes on SIGTERM. */
async function listenAndAnnounce(app: FastifyInstance): Promise<void> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
}

function pinned(args: string[]): [string, string[]] {
  return PINNED
    ? ["taskset", ["-c", SERVER_CORE, process.execPath, ...args]]
    : [process.execPath, args];
}

/** Starts a child (pinned) and returns its first stdout line, parsed, and a stop function. */
async function child<T>(args: string[]): Promise<{ info: T; pid: number; stop(): void }> {
  const [command, argv] = pinned(["--import", "tsx", ...args]);
  const proc = spawn(command, argv, {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, TESSERA_SESSION_CACHE: "on" },
  });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout }).once("line", resolve);
    proc.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
  });
  return { info: JSON.parse(first) as T, pid: proc.pid ?? 0, stop: () => proc.kill("SIGTERM") };
}

async function rate(
  title: string,
  options: autocannon.Options & { connections?: number },
): Promise<number> {
  const result = await autocannon({
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    ...options,
  });
  const ok = result["2xx"];
  const perSecond = ok / DURATION_SECONDS;
  console.log(
    `${title.padEnd(40)} ${perSecond.toFixed(1).padStart(9)} /s (non-2xx ${result.non2xx}, errors ${result.errors}) p99 ${result.latency.p99} ms`,
  );
  return perSecond;
}

/** The CPU time a process has used, all threads (`taskset` execs node: same pid); null without /proc. */
function processCpuMs(pid: number): number | null {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return null;
  const stat = readFileSync(path, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** A rate, and the CPU per answer that `pid` used meanwhile (null without /proc). */
async function rateWithCpu(
  title: string,
  pid: number,
  options: autocannon.Options & { connections?: number },
): Promise<{ perSecond: number; cpuMs: number | null }> {
  const before = processCpuMs(pid);
  const perSecond = await rate(title, options);
  const after = processCpuMs(pid);
  const answers = perSecond * DURATION_SECONDS;
  const cpuMs =
    before === null || after === null || answers === 0 ? null : (after - before) / answers;
  return { perSecond, cpuMs };
}

/** Raw verification's best rate on the server's core (a pinned child), printed. */
async function rawVerification(): Promise<{ rate: number; cpuMs: number }> {
  const verify = await child<{ sequential: number; parallel: number; cpuMs: number }>([
    "bench/ratios.ts",
    "verify",
  ]);
  verify.stop();
  const { sequential, parallel, cpuMs } = verify.info;
  console.log(
    `raw verifyPassword (1 / ${LOGIN_CONNECTIONS} at once)`.padEnd(40) +
      ` ${sequential.toFixed(1).padStart(9)} /s / ${parallel.toFixed(1)} /s, ${cpuMs.toFixed(2)} ms CPU each`,
  );
  return { rate: Math.max(sequential, parallel), cpuMs };
}

function ratio(label: string, value: number, base: number, target: number): void {
  const percent = (value / base) * 100;
  console.log(
    `${label.padEnd(52)} ${percent.toFixed(1).padStart(7)}% (target >= ${target}%)${percent >= target ? "" : "  BELOW"}`,
  );
}

async function main(): Promise<void> {
  console.log(
    PINNED
      ? `servers pinned to core ${SERVER_CORE}; run this process with taskset -c 1`
      : "taskset not found: nothing is pinned",
  );
  // Rounds of every figure, each ratio from figures measured next to each other; the median
  // round is reported (the machine is shared: one round alone can be far off). Each round
  // starts both servers afresh: the same build varies by up to 10% from one process to the
  // next (JIT decisions, memory layout), which one pair of processes would hide.
  const ratios: Record<"signIn" | "signInCpu" | "floor" | "me" | "public", number[]> = {
    signIn: [],
    signInCpu: [],
    floor: [],
    me: [],
    public: [],
  };
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`--- round ${round} of ${ROUNDS} (fresh servers) ---`);
    const bare = await child<{ port: number }>(["bench/ratios.ts", "bare"]);
    const tessera = await child<{ port: number; token: string; name: string; password: string }>([
      "bench/http-server.ts",
    ]);
    try {
      const bareUrl = `http://127.0.0.1:${bare.info.port}/hello`;
      const base = `http://127.0.0.1:${tessera.info.port}`;
      const cookie = `token=${tessera.info.token}`;
      // Warm-up at full load: JIT and caches.
      for (const url of [bareUrl, `${base}/bench/public`]) {
        await autocannon({ url, connections: CONNECTIONS, duration: 2 });
      }
      await autocannon({
        url: `${base}/me`,
        connections: CONNECTIONS,
        duration: 2,
        headers: { cookie },
      });
      const signIn = {
        url: `${base}/login`,
        connections: LOGIN_CONNECTIONS,
        method: "POST" as const,
        headers: { "content-type": "application/json", origin: "http://localhost:8000" },
        body: JSON.stringify({ name: tessera.info.name, password: tessera.info.password }),
      };
      // The sign-in path too: at 60 a second a fresh process's first seconds run unoptimised.
      await autocannon({ ...signIn, duration: 3 });
      const bare1 = await rate("bare Fastify GET /hello", { url: bareUrl });
      const public1 = await rate("Tessera GET /bench/public", { url: `${base}/bench/public` });
      const me = await rate("Tessera GET /me", { url: `${base}/me`, headers: { cookie } });
      const public2 = await rate("Tessera GET /bench/public", { url: `${base}/bench/public` });
      const bare2 = await rate("bare Fastify GET /hello", { url: bareUrl });
      const verify1 = await rawVerification();
      const { perSecond: login, cpuMs: loginCpuMs } = await rateWithCpu(
        `POST /login (${LOGIN_CONNECTIONS} conn.)`,
        tessera.pid,
        signIn,
      );
      if (loginCpuMs !== null) {
        console.log(`${"  CPU per sign-in (all threads)".padEnd(40)} ${loginCpuMs.toFixed(2)} ms`);
      }
      const floor = await child<{ port: number }>(["bench/ratios.ts", "floor"]);
      let floorRate: number;
      try {
        const floorSignIn = { ...signIn, url: `http://127.0.0.1:${floor.info.port}/login` };
        await autocannon({ ...floorSignIn, duration: 2 });
        floorRate = await rate(
          `floor: bare Fastify + gate (${LOGIN_CONNECTIONS} conn.)`,
          floorSignIn,
        );
      } finally {
        floor.stop();
      }
      const verify2 = await rawVerification();
      const publicRate = (public1 + public2) / 2;
      const rawRate = (verify1.rate + verify2.rate) / 2;
      ratios.signIn.push(login / rawRate);
      ratios.floor.push(floorRate / rawRate);
      if (loginCpuMs !== null) {
        ratios.signInCpu.push((verify1.cpuMs + verify2.cpuMs) / 2 / loginCpuMs);
      }
      ratios.me.push(me / publicRate);
      ratios.public.push(publicRate / ((bare1 + bare2) / 2));
    } finally {
      bare.stop();
      tessera.stop();
    }
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  console.log(`--- ratios, median of ${ROUNDS} rounds (each round's: in brackets) ---`);
  const show = (values: number[]) => values.map((v) => `${(v * 100).toFixed(0)}%`).join(" ");
  ratio(`sign-in / raw verification [${show(ratios.signIn)}]`, median(ratios.signIn), 1, 85);
  console.log(
    `  for reference: floor / raw verification [${show(ratios.floor)}] ${(median(ratios.floor) * 100).toFixed(1)}%; ` +
      `sign-in / floor ${(median(ratios.signIn.map((v, i) => v / ratios.floor[i]!)) * 100).toFixed(1)}%`,
  );
  if (ratios.signInCpu.length > 0) {
    console.log(
      `  in CPU time: raw verification's CPU ÷ CPU per sign-in [${show(ratios.signInCpu)}] ` +
        `${(median(ratios.signInCpu) * 100).toFixed(1)}%`,
    );
  }
  ratio(`GET /me / public route [${show(ratios.me)}]`, median(ratios.me), 1, 80);
  ratio(`public / bare Fastify [${show(ratios.public)}]`, median(ratios.public), 1, 80);
}
