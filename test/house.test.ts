/**
 * The house rules of issue 19 that no linter states: no file in `src/` is over 400 lines
 * unless its first line says why, and "now" is never wrapped in a Date on its way to the store
 * (`new Date(ctx.clock())`): the store takes epoch milliseconds.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { sourceFiles } from "./helpers/source-files.js";
import { PACKAGE_ROOT } from "./helpers/web-build.js";

const MAX_LINES = 400;

const files = sourceFiles().map((path) => ({
  path: relative(PACKAGE_ROOT, path),
  text: readFileSync(path, "utf8"),
}));

describe("the house", () => {
  it(`keeps every file in src/ under ${MAX_LINES} lines, or says why on its first line`, () => {
    const long = files.filter(({ text }) => {
      const lines = text.split("\n");
      if (lines.length - 1 <= MAX_LINES) return false;
      return !/^\/\/ Over 400 lines: \S/.test(lines[0] ?? "");
    });
    expect(long.map(({ path }) => path)).toEqual([]);
  });

  it("never wraps the clock's now in a Date", () => {
    const wrapped = files.filter(({ text }) => /new Date\(\s*ctx\.clock\(\)\s*\)/.test(text));
    expect(wrapped.map(({ path }) => path)).toEqual([]);
  });
});
