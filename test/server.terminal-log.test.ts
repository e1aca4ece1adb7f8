/**
 * At a terminal the server logs one line per request (issue 18 item 8): Fastify's two request
 * events, pretty-printed with their req and res objects, took about 13 lines a request, so the
 * first admin's one-time password scrolled away at the first page load. The start banner says
 * how to get a new password. The server runs under `script`, which gives it a terminal.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "./e2e/helpers.js";
import { REPOSITORY_ROOT } from "./helpers/pack.js";
import { TEST_ARGON2_ENV } from "./helpers/server.js";

const CLI = join(REPOSITORY_ROOT, "src", "cli.ts");
const hasScript = spawnSync("script", ["--version"]).status === 0;
const skip = process.platform === "win32" || !hasScript ? "no util-linux `script` here" : null;
if (skip !== null) console.log(`skipping the terminal log test: ${skip}`);

let work = "";
let terminal: ChildProcess | undefined;

afterEach(() => {
  // `script`, the shell it starts and the server: the process group `script` leads.
  if (terminal?.pid !== undefined) {
    try {
      process.kill(-terminal.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  terminal = undefined;
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

/** What the terminal shows, without colours, line by line. */
function screen(output: string): string[] {
  return output
    .replace(/\x1b\[[0-9;]*m/g, "") // eslint-disable-line no-control-regex -- ANSI colours
    .split(/\r?\n/)
    .map((line) => line.trimEnd());
}

async function until(check: () => boolean, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`no ${what} in:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(skip !== null)("tessera serve at a terminal", () => {
  it("logs one line per request, and the banner says how to get a new password", async () => {
    work = mkdtempSync(join(tmpdir(), "tessera-terminal-"));
    const port = await freePort();
    const command = `node --import tsx ${JSON.stringify(CLI)} serve`;
    terminal = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd: REPOSITORY_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: {
        ...process.env,
        NODE_ENV: "development",
        TESSERA_HOST: "127.0.0.1",
        TESSERA_PORT: String(port),
        TESSERA_DATABASE_URL: join(work, "tessera.db"),
        TESSERA_DATA_DIR: work,
        TESSERA_JWT_SECRET: randomBytes(32).toString("base64url"),
        TESSERA_LOG_LEVEL: "info",
        ...TEST_ARGON2_ENV,
      },
    });
    let output = "";
    terminal.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    terminal.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const lines = () => screen(output);
    await until(
      () => output.includes("Tessera is running"),
      "banner",
      () => output,
    );
    await until(
      () => lines().some((line) => line.startsWith("  A new password")),
      "end of banner",
      () => output,
    );

    const shown = lines();
    expect(shown).toContain("    name:     admin");
    expect(shown).toContain(
      "  A new password for admin (or anyone): npx --no-install tessera reset-password --name admin",
    );
    const bannerEnd = shown.findIndex((line) => line.startsWith("  A new password"));

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/me`)).status).toBe(401);
    expect((await fetch(`${base}/openapi.json?token=secret`)).status).toBe(200);

    const requestLine = /^\[\d\d:\d\d:\d\d\] INFO: GET \S+ \d{3} \d+ ms$/;
    // The listening line may reach the terminal after the banner (pino writes from a worker).
    const logged = () =>
      lines()
        .slice(bannerEnd + 1)
        .filter((line) => line !== "" && !line.includes(" INFO: bound to "));
    await until(
      () => logged().length >= 3,
      "three log lines",
      () => output,
    );
    // Every line since the banner is one request's line: nothing printed on the lines between.
    expect(logged().slice(0, 3)).toEqual([
      expect.stringMatching(/ GET \/ 200 /),
      expect.stringMatching(/ GET \/me 401 /),
      expect.stringMatching(/ GET \/openapi\.json\?token 200 /),
    ]);
    for (const line of logged()) expect(line).toMatch(requestLine);
    expect(output).not.toContain("secret");
  }, 60_000);
});
