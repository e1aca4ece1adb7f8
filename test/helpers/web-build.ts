/** Builds the pages into a fresh temporary folder with the real build script. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (two levels above this file). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs scripts/build-web.mjs into a temporary folder; returns it and a cleanup. */
export function buildPagesToTemp(): { webRoot: string; cleanup(): void } {
  const parent = mkdtempSync(join(tmpdir(), "tessera-web-"));
  const webRoot = join(parent, "web");
  execFileSync(
    process.execPath,
    [join(PACKAGE_ROOT, "scripts", "build-web.mjs"), "--outdir", webRoot],
    {
      cwd: PACKAGE_ROOT,
      stdio: "pipe",
    },
  );
  return { webRoot, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}
