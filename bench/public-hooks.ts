/**
 * `taskset -c 1 npx tsx bench/public-hooks.ts` (issue 20 item 3): what Tessera's hooks add to
 * a public route, one layer at a time, each server pinned to core 0 (`taskset`), autocannon
 * here: bare Fastify's hello; with Tessera's security headers; with those and the keep-alive
 * budget; and the whole Tessera app's public route (`bench/http-server.ts`: authentication
 * middleware with its exclusions, route policy, error handling; logger off as in the other
 * benches). Each figure as a share of bare Fastify measured around it.
 *
 *   BENCH_SECONDS=3 (default)
 */
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import Fastify from "fastify";
import { installKeepAliveLimit } from "../src/http/keep-alive-limit.js";
import { installSecurityHeaders } from "../src/http/security-headers.js";

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PINNED = spawnSync("taskset", ["-V"]).status === 0;
const BODY = { id: "00000000-0000-4000-8000-000000000000", name: "public" };

const layer = process.argv[2];
if (layer !== undefined) {
  const app = Fastify({ logger: false });
  if (layer === "headers" || layer === "headers+keep-alive") {
    installSecurityHeaders(app, { publicUrl: "http://localhost:8000" });
  }
  if (layer === "headers+keep-alive") installKeepAliveLimit(app, 1_000_000);
  app.get("/bench/public", async () => BODY);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
} else {
  const start = async (args: string[]) => {
    const argv = ["--import", "tsx", ...args];
    const proc = PINNED
      ? spawn("taskset", ["-c", "0", process.execPath, ...argv], {
          stdio: ["ignore", "pipe", "inherit"],
        })
      : spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: proc.stdout }).once("line", resolve);
      proc.once("exit", (code) => reject(new Error(`exited with ${code}`)));
    });
    return { port: (JSON.parse(line) as { port: number }).port, stop: () => proc.kill("SIGTERM") };
  };
  const rate = async (port: number) => {
    const url = `http://127.0.0.1:${port}/bench/public`;
    await autocannon({ url, connections: 10, duration: 1 });
    const result = await autocannon({ url, connections: 50, duration: DURATION_SECONDS });
    return result["2xx"] / DURATION_SECONDS;
  };
  const bare = await start(["bench/public-hooks.ts", "bare"]);
  try {
    for (const name of ["headers", "headers+keep-alive", "tessera"]) {
      const server =
        name === "tessera"
          ? await start(["bench/http-server.ts"])
          : await start(["bench/public-hooks.ts", name]);
      try {
        const before = await rate(bare.port);
        const layered = await rate(server.port);
        const after = await rate(bare.port);
        const base = (before + after) / 2;
        console.log(
          `${name.padEnd(20)} ${layered.toFixed(0).padStart(7)} req/s, bare ${base.toFixed(0).padStart(7)} req/s: ${((layered / base) * 100).toFixed(1)}%`,
        );
      } finally {
        server.stop();
      }
    }
  } finally {
    bare.stop();
  }
}
