/**
 * A sign-in storm against the real server (issue 14 item 3): 500 attackers send wrong passwords
 * for made-up names from made-up addresses (X-Forwarded-For through a trusted loopback proxy),
 * as fast as they can, while a person with a device cookie signs in every 250 ms and a signed-in
 * client reads `GET /me` in a loop. The server runs in a child process (default Argon2
 * parameters, a fresh SQLite database, counters in the database: the default without Redis).
 *
 *   npx tsx bench/storm.ts        (TESSERA_STORM_SECONDS=20, at most 30; loopback only)
 *
 * Reports the device-cookie sign-in and /me latencies before (baseline) and during the storm,
 * the server's RSS before, at its peak and after, and the attackers' status counts.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";

const STORM_SECONDS = Math.min(30, Number(process.env.TESSERA_STORM_SECONDS ?? 20));
const BASELINE_SECONDS = 4;
const ATTACKERS = 500;
const ORIGIN = "http://tessera.test";

interface Answer {
  status: number;
  ms: number;
  setCookie: string[];
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
        res.resume();
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            setCookie: res.headers["set-cookie"] ?? [],
          }),
        );
      },
    );
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started, setCookie: [] }));
    req.end(payload);
  });
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    },
    {
      database,
      // No mail leaves a bench: dropped, not written to a data folder.
      mailTransport: { kind: "discard", send: async () => undefined, close: async () => undefined },
    },
  );
  await createUser(tessera.ctx, null, {
    name: "victim",
    email: "victim@example.org",
    password: "a long passphrase of hers",
    isAdmin: false,
    mustChangePassword: false,
  });
  const app = await buildApp(tessera, { logger: false, closeTessera: true });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const send = process.send?.bind(process);
  if (send === undefined || address === null || typeof address === "string") process.exit(1);
  send({ port: address.port });
  process.on("message", async (message: { rss?: boolean; stop?: boolean }) => {
    if (message.rss === true) send({ rss: process.memoryUsage().rss });
    if (message.stop === true) {
      await app.close();
      await database.cleanup();
      process.exit(0);
    }
  });
} else {
  await runStorm();
}

async function runStorm(): Promise<void> {
  const child: ChildProcess = fork(import.meta.filename, ["--server"], {
    execArgv: ["--import", "tsx"],
  });
  const port = await new Promise<number>((resolve) =>
    child.once("message", (m: { port: number }) => resolve(m.port)),
  );
  const rss = () =>
    new Promise<number>((resolve) => {
      child.once("message", (m: { rss: number }) => resolve(m.rss));
      child.send({ rss: true });
    });
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

  const quiet = new Agent({ keepAlive: true, maxSockets: 4 });
  const signIn = await send(
    quiet,
    port,
    "POST",
    "/login",
    {},
    {
      name: "victim",
      password: "a long passphrase of hers",
    },
  );
  const cookies = signIn.setCookie.map((c) => c.split(";")[0]!);
  const device = cookies.filter((c) => c.startsWith("tessera_device=")).join("; ");
  const session = cookies.filter((c) => c.startsWith("token=")).join("; ");
  if (signIn.status !== 200 || device === "" || session === "") {
    throw new Error(`victim sign-in failed: ${signIn.status}`);
  }

  /** The person's two loops until `until`: device-cookie sign-ins and /me reads. */
  async function person(untilMs: number) {
    const logins: number[] = [];
    const loginStatuses: Record<number, number> = {};
    const me: number[] = [];
    const meStatuses: Record<number, number> = {};
    await Promise.all([
      (async () => {
        while (performance.now() < untilMs) {
          const answer = await send(
            quiet,
            port,
            "POST",
            "/login",
            { cookie: device },
            {
              name: "victim",
              password: "a long passphrase of hers",
            },
          );
          logins.push(answer.ms);
          loginStatuses[answer.status] = (loginStatuses[answer.status] ?? 0) + 1;
          await sleep(250);
        }
      })(),
      (async () => {
        while (performance.now() < untilMs) {
          const answer = await send(quiet, port, "GET", "/me", { cookie: session });
          me.push(answer.ms);
          meStatuses[answer.status] = (meStatuses[answer.status] ?? 0) + 1;
          await sleep(20);
        }
      })(),
    ]);
    return { logins, loginStatuses, me, meStatuses };
  }

  const rssBefore = await rss();
  const baseline = await person(performance.now() + BASELINE_SECONDS * 1000);

  const attackerAgent = new Agent({ keepAlive: true, maxSockets: ATTACKERS });
  const attackStatuses: Record<number, number> = {};
  let attempts = 0;
  const stormEnd = performance.now() + STORM_SECONDS * 1000;
  let peak = rssBefore;
  const sampler = (async () => {
    while (performance.now() < stormEnd) {
      peak = Math.max(peak, await rss());
      await sleep(250);
    }
  })();
  const attackers = Array.from({ length: ATTACKERS }, async (_, a) => {
    for (let i = 0; performance.now() < stormEnd; i += 1) {
      const answer = await send(
        attackerAgent,
        port,
        "POST",
        "/login",
        { "x-forwarded-for": `10.${a & 255}.${(i >> 8) & 255}.${i & 255}` },
        { name: `guess-${a}-${i}`, password: "wrong password" },
      );
      attempts += 1;
      attackStatuses[answer.status] = (attackStatuses[answer.status] ?? 0) + 1;
      // A refused attacker retries after a pause, as a client honouring Retry-After would not.
      if (answer.status === 0) await sleep(50);
    }
  });
  const storm = await person(stormEnd);
  await Promise.all([...attackers, sampler]);
  attackerAgent.destroy();
  await sleep(2_000);
  const rssAfter = await rss();
  quiet.destroy();
  child.send({ stop: true });

  const row = (label: string, values: number[], p: number) =>
    `${label.padEnd(34)} ${percentile(values, p).toFixed(1).padStart(8)} ms`;
  console.log(
    `\nSign-in storm: ${ATTACKERS} attackers for ${STORM_SECONDS} s (baseline ${BASELINE_SECONDS} s, no attack)\n`,
  );
  console.log(row("device-cookie sign-in p50, baseline", baseline.logins, 50));
  console.log(row("device-cookie sign-in p50, storm", storm.logins, 50));
  console.log(row("device-cookie sign-in p95, storm", storm.logins, 95));
  console.log(row("GET /me p50, baseline", baseline.me, 50));
  console.log(row("GET /me p99, baseline", baseline.me, 99));
  console.log(row("GET /me p50, storm", storm.me, 50));
  console.log(row("GET /me p99, storm", storm.me, 99));
  console.log(
    `\nratios storm ÷ baseline: sign-in p50 ×${(percentile(storm.logins, 50) / percentile(baseline.logins, 50)).toFixed(1)}, /me p99 ×${(percentile(storm.me, 99) / percentile(baseline.me, 99)).toFixed(1)}`,
  );
  console.log(
    `device-cookie sign-ins: ${JSON.stringify(storm.loginStatuses)} (${storm.logins.length})`,
  );
  console.log(`GET /me: ${JSON.stringify(storm.meStatuses)} (${storm.me.length})`);
  console.log(`attackers: ${attempts} requests, ${JSON.stringify(attackStatuses)}`);
  console.log(
    `server RSS: before ${mib(rssBefore)} MiB, peak ${mib(peak)} MiB, after ${mib(rssAfter)} MiB`,
  );
}
