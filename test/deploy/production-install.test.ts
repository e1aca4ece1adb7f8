/**
 * The production install the Dockerfile makes, without a container engine: the package as
 * `npm pack` makes it (built into a temporary root, as `npm run build` would), installed with
 * `npm ci --omit=dev` beside the lockfile, then `tessera serve` from it answering `/healthz` and a
 * page. A runtime import of a package that is only a devDependency (or not declared at all) fails
 * here, not in production.
 *
 * `npm ci` needs the npm registry. Its install scripts are skipped and better-sqlite3's compiled
 * addon is copied from this checkout (same version, pinned by the lockfile; same Node): building
 * it from source takes minutes on two cores and is better-sqlite3's business, not ours. The
 * Dockerfile runs the scripts.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../e2e/helpers.js";
import { REPOSITORY_ROOT as ROOT, packTessera } from "../helpers/pack.js";

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
let work = "";
let installed = "";

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "tessera-production-"));
  // 1 and 2. The tarball npm would publish, built as `npm run build` does.
  const tarball = packTessera(work, { pages: true });
  // 3. The Dockerfile's runtime stage: the package, the lockfile, `npm ci --omit=dev`.
  const prod = join(work, "prod");
  mkdirSync(prod);
  execFileSync("tar", ["-xzf", tarball, "-C", prod]);
  installed = join(prod, "package");
  copyFileSync(join(ROOT, "package-lock.json"), join(installed, "package-lock.json"));
  execFileSync(NPM, ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: installed,
    stdio: "pipe",
  });
  cpSync(
    join(ROOT, "node_modules", "better-sqlite3", "build"),
    join(installed, "node_modules", "better-sqlite3", "build"),
    { recursive: true },
  );
}, 300_000);

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("the production install", () => {
  it("holds no devDependency", () => {
    const installedNames = readdirSync(join(installed, "node_modules"));
    expect(installedNames).not.toContain("vitest");
    expect(installedNames).not.toContain("typescript");
  });

  it("serves /healthz and the sign-in page with tessera serve", async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      [join(installed, "dist", "cli.js"), "serve"],
      {
        cwd: installed,
        env: {
          PATH: process.env.PATH ?? "",
          NODE_ENV: "production",
          TESSERA_HOST: "127.0.0.1",
          TESSERA_PORT: String(port),
          TESSERA_PUBLIC_URL: `http://localhost:${port}`,
          TESSERA_JWT_SECRET: "p".repeat(48),
          TESSERA_DATABASE_URL: join(work, "data", "tessera.db"),
          TESSERA_LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once("exit", done));
    try {
      await Promise.race([
        new Promise<void>((done) => {
          const check = () =>
            output.includes("Tessera is running") ? done() : setTimeout(check, 50);
          check();
        }),
        exited.then((code) => {
          throw new Error(`tessera serve exited with ${code}:\n${output}`);
        }),
      ]);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});
