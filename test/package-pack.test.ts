/**
 * `npm pack` on a fresh, unbuilt checkout ships the code (issue 18 item 2: it shipped three files
 * and no code, since nothing built dist/ first; `prepack` now runs the build), and the packed
 * command runs as the README says, `npx --no-install tessera`, in a folder that installed it.
 *
 * The fresh checkout is what `git clone` gives: the files git tracks (and new ones it does not
 * ignore, so uncommitted work is packed as it will be committed), without dist/; node_modules is
 * linked from ours, as `npm ci` would fill it, so no registry is needed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "./helpers/pack.js";

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";
const PACKAGE = JSON.parse(readFileSync(join(REPOSITORY_ROOT, "package.json"), "utf8")) as {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};

let work = "";
let packed: string[] = [];
let tarball = "";

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "tessera-fresh-pack-"));
  const clone = join(work, "clone");
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: REPOSITORY_ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter((file) => file !== "" && existsSync(join(REPOSITORY_ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(REPOSITORY_ROOT, file), join(clone, file));
  }
  expect(existsSync(join(clone, "dist"))).toBe(false);
  symlinkSync(join(REPOSITORY_ROOT, "node_modules"), join(clone, "node_modules"), "dir");
  const packs = join(work, "packs");
  mkdirSync(packs);
  // Scripts run (prepack), as for anyone who packs; offline, as a fresh clone needs no registry.
  const run = spawnSync(NPM, ["pack", "--pack-destination", packs], {
    cwd: clone,
    encoding: "utf8",
    env: { ...process.env, npm_config_offline: "true" },
  });
  if (run.status !== 0) throw new Error(`npm pack failed:\n${run.stdout}${run.stderr}`);
  const [name] = readdirSync(packs);
  tarball = join(packs, name!);
  packed = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.replace(/^package\//, ""));
}, 300_000);

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

/** Every file package.json points at: the exports (code and types) and the command. */
function entryFiles(): string[] {
  const files = new Set<string>(Object.values(PACKAGE.bin));
  for (const entry of Object.values(PACKAGE.exports)) {
    for (const file of typeof entry === "string" ? [entry] : Object.values(entry)) files.add(file);
  }
  return [...files].map((file) => file.replace(/^\.\//, ""));
}

describe("npm pack on a fresh clone", () => {
  it("ships every entry point, the command and the built pages", () => {
    expect(entryFiles()).toEqual(
      expect.arrayContaining(["dist/index.js", "dist/cli.js", "dist/fastify.d.ts"]),
    );
    expect(packed).toEqual(expect.arrayContaining(entryFiles()));
    expect(packed).toEqual(
      expect.arrayContaining([
        "dist/web/sign-in.html",
        "dist/web/account.html",
        "dist/web/admin.html",
      ]),
    );
    expect(packed.filter((file) => file.startsWith("dist/web/assets/")).length).toBeGreaterThan(0);
    expect(
      packed.filter((file) => file.startsWith("dist/store/migrations/")).length,
    ).toBeGreaterThan(0);
  });

  it("ships no tests, sources or secrets", () => {
    expect(packed.filter((file) => /^(src|test|data|node_modules)\//.test(file))).toEqual([]);
    expect(packed.filter((file) => file.endsWith(".env") || file.endsWith(".db"))).toEqual([]);
  });

  it("runs its command as `npx --no-install tessera` in a folder that installed it", () => {
    // What `npm install tessera-auth` lays out: the package, its dependencies, the bin link.
    const host = join(work, "host");
    const installed = join(host, "node_modules", PACKAGE.name);
    mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
    for (const name of readdirSync(join(REPOSITORY_ROOT, "node_modules"))) {
      if (name.startsWith(".")) continue;
      symlinkSync(join(REPOSITORY_ROOT, "node_modules", name), join(host, "node_modules", name));
    }
    mkdirSync(join(host, "node_modules", ".bin"));
    chmodSync(join(installed, PACKAGE.bin.tessera!), 0o755); // as npm's bin-links does
    symlinkSync(
      join("..", PACKAGE.name, PACKAGE.bin.tessera!),
      join(host, "node_modules", ".bin", "tessera"),
    );
    writeFileSync(join(host, "package.json"), JSON.stringify({ private: true }));
    mkdirSync(join(host, "scripts"));
    const run = spawnSync(NPX, ["--no-install", "tessera", "help"], {
      cwd: join(host, "scripts"), // a subfolder: npx finds the project above it
      encoding: "utf8",
      env: { ...process.env, npm_config_offline: "true" },
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: tessera <command>/);
  });
});
