/**
 * ARCHITECTURE.md is a map (issue 19 item 7): every path it names must exist, so a move that
 * forgets the map fails here instead of misleading the next engineer.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const text = readFileSync(join(ROOT, "ARCHITECTURE.md"), "utf8");

/** Code spans that look like a path of this repository: a folder of it, or a file with an extension. */
function namedPaths(markdown: string): string[] {
  const spans = [...markdown.matchAll(/`([^`\s]+)`/g)].map((match) => match[1] ?? "");
  return spans.filter((span) =>
    /^(src|test|scripts|bench|docs)\/|^[\w.-]+\.(md|js|json|ts)$/.test(span),
  );
}

describe("ARCHITECTURE.md", () => {
  it("names paths, and every one of them exists", () => {
    const paths = namedPaths(text);
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  it("stays short: one or two screens", () => {
    expect(text.split("\n").length).toBeLessThan(160);
  });
});
