/**
 * Where the wire contract may be used from: `limits.ts`, `locale.ts` and `personal-token-scopes.ts` (the
 * scope vocabulary, issue 23) import nothing (the core, the store and the browser bundles
 * import them), the core has no schema library, and the pages take the
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

/** The contract's plain-data modules: no imports, so a page bundles no schema code. */
const PLAIN_DATA = ["limits", "personal-token-scopes", "locale"];

describe("the wire contract's boundaries", () => {
  it("keeps limits.ts and the scope vocabulary free of imports", () => {
    for (const name of PLAIN_DATA) expect(imports(join(SRC, "contract", `${name}.ts`))).toEqual([]);
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

  it("lets the pages take only types from the contract, and values only from its plain data", () => {
    const offenders = sourceFiles(join(SRC, "web", "client")).flatMap((file) =>
      imports(file)
        .filter((i) => i.from.includes("/contract/") && !i.typeOnly)
        .filter((i) => !PLAIN_DATA.some((name) => i.from.endsWith(`/contract/${name}.js`)))
        .map((i) => `${relative(SRC, file)} imports ${i.from}`),
    );
    expect(offenders).toEqual([]);
  });
});
