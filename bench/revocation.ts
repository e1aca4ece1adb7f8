/**
 * `npx tsx bench/revocation.ts`: how long another instance takes to enforce a revocation
 * (issue 10: target 1 s). Two app instances in this process, each with its own pool, over one
 * fresh PostgreSQL database; 50 times: sign in on A, use the session on A (cached), end it on
 * B, then poll A every millisecond until it refuses. Once over Redis pub/sub
 * (`TESSERA_REDIS_URL`), once over PostgreSQL LISTEN/NOTIFY. Prints the median and the maximum.
 *
 *   BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test: a database
 *   `tessera_bench_<random>` is created beside it and dropped after)
 *   BENCH_REDIS_URL (default redis://127.0.0.1:6379)
 */
import { randomBytes } from "node:crypto";
import type { TesseraOptions } from "../src/config/index.js";
import { buildApp } from "../src/http/app.js";
import { createTessera } from "../src/runtime.js";
import { createMemoryRateLimitStore } from "../src/store/rate-limit/index.js";
import { createUser } from "../src/services/account/users.js";
import { createDatabaseChallengeStore } from "../src/store/challenges/index.js";
import { createDatabase } from "../src/store/index.js";
import { createBenchPostgresDatabase } from "./bench-database.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const ORIGIN = "http://localhost:8000";

const { url: databaseUrl, drop } = await createBenchPostgresDatabase(ADMIN_URL);

async function instance(options: TesseraOptions, secret: string) {
  const database = await createDatabase(databaseUrl, { poolMax: 4 });
  const config: TesseraOptions = {
    databaseUrl,
    jwtSecret: secret,
    publicUrl: ORIGIN,
    argon2: { memoryKib: 1024, iterations: 1 },
    logLevel: "silent",
    ...options,
  };
  const tessera = await createTessera(config, {
    database,
    // No mail leaves a bench (sign-in notices are queued): dropped, not written to a data folder.
    mailTransport: { kind: "discard", send: async () => undefined, close: async () => undefined },
    rateLimitStore: createMemoryRateLimitStore(),
    challengeStore: createDatabaseChallengeStore(database.db),
  });
  const app = await buildApp(tessera, { logger: false });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    tessera,
    base: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await app.close();
      await tessera.close();
      await database.destroy();
    },
  };
}

async function status(base: string, path: string, token: string, method = "GET") {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

async function measure(label: string, options: TesseraOptions): Promise<void> {
  const secret = randomBytes(32).toString("base64url");
  const a = await instance(options, secret);
  const b = await instance(options, secret);
  try {
    const password = "bench password 123";
    const user = await createUser(a.tessera.ctx, null, {
      name: `bench${randomBytes(3).toString("hex")}`,
      email: `bench${randomBytes(3).toString("hex")}@example.org`,
      password,
      mustChangePassword: false,
    });
    const delays: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const login = await fetch(`${a.base}/login`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN },
        body: JSON.stringify({ name: user.name, password }),
      });
      const cookie = login.headers.getSetCookie().find((c) => c.startsWith("token=")) ?? "";
      const token = cookie.slice("token=".length).split(";")[0] ?? "";
      if ((await status(a.base, "/me", token)) !== 200) throw new Error("not signed in");
      if ((await status(a.base, "/me", token)) !== 200) throw new Error("not cached");
      // The clock starts when B has answered: the revocation is committed and published.
      if ((await status(b.base, "/logout", token, "POST")) !== 200) throw new Error("no logout");
      const start = performance.now();
      while ((await status(a.base, "/me", token)) !== 401) {
        if (performance.now() - start > 5_000) throw new Error("A never refused");
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      delays.push(performance.now() - start);
    }
    delays.sort((x, y) => x - y);
    const median = delays[Math.floor(delays.length / 2)] ?? 0;
    const max = delays[delays.length - 1] ?? 0;
    console.log(
      `${label.padEnd(24)} ${ROUNDS} revocations: median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms (target <= 1000 ms)`,
    );
  } finally {
    await a.close();
    await b.close();
  }
}

try {
  await measure("Redis pub/sub", { redisUrl: REDIS_URL });
  await measure("PostgreSQL LISTEN/NOTIFY", {});
} finally {
  await drop();
}
