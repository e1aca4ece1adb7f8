/**
 * `engines` tells the truth (issue 18 item 2): every package in package-lock.json runs on the
 * lowest version of each Node line we declare, so `npm ci` on a supported Node prints no
 * EBADENGINE (cookie 2 and content-disposition 3 want Node 22: package.json's `overrides` pin
 * the previous majors, same API, Node 18 and later), and the README names the same versions.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const PACKAGE = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
};
const LOCK = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; engines?: unknown }>;
};

/** The lowest version of each line `range` admits: `^20.19.0 || >=24` → 20.19.0, 24.0.0. */
function floors(range: string): string[] {
  return new semver.Range(range).set.map((comparators) => {
    const line = comparators.map((comparator) => comparator.value).join(" ");
    return semver.minVersion(line)!.version;
  });
}

describe("the declared Node versions", () => {
  it("start at Node 20.19", () => {
    expect(semver.minVersion(PACKAGE.engines.node)?.version).toBe("20.19.0");
  });

  it("are supported by every locked package, at the lowest version of each line", () => {
    const lines = floors(PACKAGE.engines.node);
    const refusals: string[] = [];
    for (const [path, entry] of Object.entries(LOCK.packages)) {
      if (path === "") continue; // ourselves
      const engines = entry.engines as { node?: unknown } | undefined;
      if (typeof engines?.node !== "string") continue;
      const wanted = engines.node;
      for (const floor of lines) {
        if (!semver.satisfies(floor, wanted)) {
          refusals.push(
            `${path.replace(/^.*node_modules\//, "")}@${entry.version}: node ${wanted} refuses ${floor}`,
          );
        }
      }
    }
    expect(refusals).toEqual([]);
  });

  it("are the ones the README names", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain(`\`"engines": { "node": "${PACKAGE.engines.node}" }\``);
  });
});
