/**
 * Where the wire contract may be used from: `limits.ts` imports nothing (the core, the store
 * and the browser bundles import it), the core has no schema library, and the pages take the
 * contract's shapes as types only (so no TypeBox code reaches the bundles).
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { SRC, sourceFiles } from "../helpers/source-files.js";

/** Each import or re-export statement of a file: its specifier and whether it is type-only. */
function imports(file: string): { from: string; typeOnly: boolean }[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?\bfrom\s+"([^"]+)"/gms)].map(
    (match) => ({ from: match[3] ?? "", typeOnly: match[2] !== undefined }),
  );
}

describe("the wire contract's boundaries", () => {
  it("keeps limits.ts free of imports", () => {
    expect(imports(join(SRC, "contract", "limits.ts"))).toEqual([]);
  });

  it("keeps the core free of TypeBox", () => {
    const offenders = sourceFiles(join(SRC, "core")).filter((file) =>
      imports(file).some((i) => i.from.startsWith("@sinclair/typebox")),
    );
    expect(offenders.map((file) => relative(SRC, file))).toEqual([]);
  });

  it("reads import and re-export statements, type-only or not", () => {
    expect(imports(join(SRC, "web", "client", "lib", "types.ts"))).toEqual([
      { from: "../../../contract/index.js", typeOnly: true },
    ]);
    expect(imports(join(SRC, "core", "password-policy.ts"))).toContainEqual({
      from: "../contract/limits.js",
      typeOnly: false,
    });
  });

  it("lets the pages take only types from the contract, and values only from limits.ts", () => {
    const offenders = sourceFiles(join(SRC, "web", "client")).flatMap((file) =>
      imports(file)
        .filter((i) => i.from.includes("/contract/") && !i.typeOnly)
        .filter((i) => !i.from.endsWith("/contract/limits.js"))
        .map((i) => `${relative(SRC, file)} imports ${i.from}`),
    );
    expect(offenders).toEqual([]);
  });
});
