/**
 * The public declarations import no database or Redis driver's types (issue 18 item 2).
 *
 * A host that type-checks with `strict` and `skipLibCheck: false` checks every .d.ts our
 * entry points reach. A driver's types there (ioredis pulls the untyped `redis-errors`; pg and
 * better-sqlite3 need @types packages that are our devDependencies, not the host's) fail that
 * host, or pass only where those happen to be installed, as in the host-app test, which links
 * our node_modules. So this test reads the emitted declaration graph itself: from each entry of
 * package.json's `exports`, every module it reaches, and the bare modules they name.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const PACKAGE = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  exports: Record<string, string | { types?: string }>;
  dependencies: Record<string, string>;
};

/** Drivers whose types must stay out of the public declarations. */
const DRIVERS = ["ioredis", "redis-errors", "pg", "better-sqlite3"];

let outDir = "";

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), "tessera-types-"));
  // Type libraries (`types: ["node"]`) resolve from the project's folder, as in the repository.
  symlinkSync(join(ROOT, "node_modules"), join(outDir, "node_modules"), "dir");
  const project = join(outDir, "tsconfig.json");
  writeFileSync(
    project,
    JSON.stringify({
      extends: join(ROOT, "tsconfig.build.json"),
      compilerOptions: {
        rootDir: join(ROOT, "src"),
        outDir: join(outDir, "dist"),
        emitDeclarationOnly: true,
        declarationMap: false,
        sourceMap: false,
      },
      include: [],
      files: ["index.ts", "fastify.ts", "verify.ts"].map((file) => join(ROOT, "src", file)),
    }),
  );
  const run = spawnSync(process.execPath, [TSC, "-p", project], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`tsc -p ${project} failed:\n${run.stdout}${run.stderr}`);
}, 120_000);

afterAll(() => {
  if (outDir !== "") rmSync(outDir, { recursive: true, force: true });
});

/** Module specifiers of a .d.ts: imports, re-exports and `import("…")` types. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom|\bimport|\bimport\()\s*["']([^"']+)["']/g)) {
    found.push(match[1]!);
  }
  return found;
}

/** Every bare module the declarations reachable from `entries` name, with who names it. */
function bareImports(entries: string[]): Map<string, string> {
  const bare = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of specifiers(readFileSync(file, "utf8"))) {
      if (specifier.startsWith(".")) {
        const target = resolve(dirname(file), specifier).replace(/\.js$/, ".d.ts");
        if (!existsSync(target)) throw new Error(`${file} imports ${specifier}: no ${target}`);
        queue.push(target);
      } else if (!bare.has(specifier)) {
        bare.set(specifier, file.slice(outDir.length + 1));
      }
    }
  }
  return bare;
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

describe("the public declarations", () => {
  const entries = () =>
    Object.values(PACKAGE.exports)
      .map((entry) => (typeof entry === "string" ? undefined : entry.types))
      .filter((types): types is string => types !== undefined)
      .map((types) => join(outDir, types));

  it("reach every entry point of package.json's exports", () => {
    expect(entries().map((file) => file.slice(outDir.length + 1))).toEqual([
      "dist/index.d.ts",
      "dist/fastify.d.ts",
      "dist/verify.d.ts",
    ]);
  });

  it("import no database or Redis driver's types", () => {
    const drivers = [...bareImports(entries())]
      .filter(([specifier]) => DRIVERS.includes(packageName(specifier)))
      .map(([specifier, file]) => `${file} imports ${specifier}`);
    expect(drivers).toEqual([]);
  });

  it("import only Node's own modules and the package's declared dependencies", () => {
    const strays = [...bareImports(entries())]
      .filter(([specifier]) => {
        const name = packageName(specifier);
        const builtin = specifier.startsWith("node:") || builtinModules.includes(name);
        return !builtin && !Object.hasOwn(PACKAGE.dependencies, name);
      })
      .map(([specifier, file]) => `${file} imports ${specifier}`);
    expect(strays).toEqual([]);
  });
});
