/**
 * The services' house (issue 19 item 4): each feature folder opens with a README naming every
 * file in it, the root's README names the files every feature shares, and no folder imports
 * one that imports it back (a feature's place in the order is its README's word).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { SRC, sourceFiles } from "../helpers/source-files.js";

const SERVICES = join(SRC, "services");

/** The top-level part of `src/services/` a file belongs to: its folder, or itself at the root. */
function partOf(file: string): string {
  return relative(SERVICES, file).split("/")[0] ?? "";
}

/** The files a README names: its list items' first code span. */
function named(readme: string): string[] {
  return [...readme.matchAll(/^- `([^`]+\.ts)`/gm)].map((match) => match[1] ?? "");
}

const folders = readdirSync(SERVICES).filter((name) =>
  statSync(join(SERVICES, name)).isDirectory(),
);

describe("src/services", () => {
  it.each(folders)("%s/ opens with a README naming each of its files", (folder) => {
    const readme = readFileSync(join(SERVICES, folder, "README.md"), "utf8");
    expect(readme.startsWith(`# services/${folder}\n`)).toBe(true);
    const files = sourceFiles(join(SERVICES, folder)).map((file) =>
      relative(join(SERVICES, folder), file),
    );
    for (const file of files) expect(readme).toContain(`\`${file}\``);
    expect(named(readme).filter((name) => !files.includes(name))).toEqual([]);
  });

  it("names the files at its root in its README", () => {
    const readme = readFileSync(join(SERVICES, "README.md"), "utf8");
    const files = readdirSync(SERVICES).filter((name) => name.endsWith(".ts"));
    for (const name of files) expect(readme).toContain(`\`${name}\``);
    expect(named(readme).filter((name) => !files.includes(name))).toEqual([]);
  });

  it("has no two parts that import each other, directly or round a loop", () => {
    const edges = new Map<string, Set<string>>();
    for (const file of sourceFiles(SERVICES)) {
      const text = readFileSync(file, "utf8");
      for (const [, specifier = ""] of text.matchAll(/(?:from|import) "(\.{1,2}\/[^"]+)"/g)) {
        const target = normalize(join(dirname(file), specifier));
        if (relative(SERVICES, target).startsWith("..")) continue;
        const [from, to] = [partOf(file), partOf(target)];
        if (from === to) continue;
        const targets = edges.get(from) ?? new Set<string>();
        targets.add(to);
        edges.set(from, targets);
      }
    }
    const loops: string[] = [];
    const reaches = (from: string, goal: string, seen = new Set<string>()): boolean => {
      for (const next of edges.get(from) ?? []) {
        if (next === goal) return true;
        if (!seen.has(next)) {
          seen.add(next);
          if (reaches(next, goal, seen)) return true;
        }
      }
      return false;
    };
    for (const [from, targets] of edges) {
      for (const to of targets) if (reaches(to, from)) loops.push(`${from} -> ${to}`);
    }
    expect(loops).toEqual([]);
  });
});
