/**
 * The package as `npm pack` makes it, from a fresh build of this checkout into a staging root
 * (the repository's dist/, which `npm run build` and other tests own, is left alone): tsc with
 * tsconfig.build.json and, when asked, the pages. Returns the tarball's path.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPOSITORY_ROOT = resolve(import.meta.dirname, "../..");
const TSC = join(REPOSITORY_ROOT, "node_modules", "typescript", "bin", "tsc");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** Builds into `work/staging`, packs into `work/packs`, and returns the tarball. */
export function packTessera(work: string, options: { pages?: boolean } = {}): string {
  const staging = join(work, "staging");
  mkdirSync(staging, { recursive: true });
  for (const file of ["package.json", "README.md", "LICENSE"]) {
    cpSync(join(REPOSITORY_ROOT, file), join(staging, file));
  }
  // Type definitions resolve from the staging root, as in the repository (npm pack skips it).
  symlinkSync(join(REPOSITORY_ROOT, "node_modules"), join(staging, "node_modules"), "dir");
  writeFileSync(
    join(staging, "tsconfig.json"),
    JSON.stringify({
      extends: join(REPOSITORY_ROOT, "tsconfig.build.json"),
      compilerOptions: {
        rootDir: join(REPOSITORY_ROOT, "src"),
        outDir: join(staging, "dist"),
        declarationMap: false,
        sourceMap: false,
      },
      include: [join(REPOSITORY_ROOT, "src")],
      exclude: [join(REPOSITORY_ROOT, "src", "web", "client")],
    }),
  );
  execFileSync(process.execPath, [TSC, "-p", join(staging, "tsconfig.json")], { stdio: "pipe" });
  if (options.pages === true) {
    execFileSync(
      process.execPath,
      [join(REPOSITORY_ROOT, "scripts", "build-web.mjs"), "--outdir", join(staging, "dist", "web")],
      { cwd: REPOSITORY_ROOT, stdio: "pipe" },
    );
  }
  const packs = join(work, "packs");
  mkdirSync(packs, { recursive: true });
  const packed = JSON.parse(
    execFileSync(NPM, ["pack", "--json", "--ignore-scripts", "--pack-destination", packs], {
      cwd: staging,
      encoding: "utf8",
    }),
  ) as { filename: string }[];
  return join(packs, packed[0]!.filename);
}
