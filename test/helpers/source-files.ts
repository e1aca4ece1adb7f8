/**
 * The TypeScript files of a folder of the checkout, recursively, for the tests that read the
 * code as text (layers of the contract, the house rules, the services' folders, settings).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./web-build.js";

/** `src/` of the checkout. */
export const SRC = join(PACKAGE_ROOT, "src");

/** Every `.ts` file under `dir` (default `src/`), as absolute paths. */
export function sourceFiles(dir: string = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}
