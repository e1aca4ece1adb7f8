/**
 * The layer rule (DESIGN.md "Layers") is enforced by ESLint's `no-restricted-imports` in
 * eslint.config.js: these tests lint a few lines as if they stood in each layer, so the rule
 * cannot quietly stop matching (a pattern typo would let every import through).
 */
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint();

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === "no-restricted-imports")
    .map((m) => m.message);
}

describe("layers", () => {
  it("refuses the store, the config and the composition root in src/http", async () => {
    for (const source of [
      "../store/index.js",
      "../../store/users.js",
      "../config.js",
      "../config/index.js",
      "../../config/rows.js",
      "../runtime.js",
    ]) {
      const messages = await restrictedImports(
        "src/http/routes/probe.ts",
        `import type { X } from "${source}";\nexport type Y = X;\n`,
      );
      expect(messages, source).toHaveLength(1);
    }
  });

  it("lets src/http import services and core", async () => {
    const code =
      'import type { Tessera } from "../services/context.js";\n' +
      'import type { Clock } from "../core/clock.js";\nexport type Y = [Tessera, Clock];\n';
    expect(await restrictedImports("src/http/probe.ts", code)).toEqual([]);
  });

  it("keeps src/core free of Fastify, Kysely, the store and the services", async () => {
    for (const source of [
      "fastify",
      "kysely",
      "ioredis",
      "../store/index.js",
      "../services/context.js",
    ]) {
      const messages = await restrictedImports(
        "src/core/probe.ts",
        `import type { X } from "${source}";\nexport type Y = X;\n`,
      );
      expect(messages, source).toHaveLength(1);
    }
  });

  it("keeps the services and the store from importing upward", async () => {
    const code = 'import type { X } from "../http/app.js";\nexport type Y = X;\n';
    expect(await restrictedImports("src/services/probe.ts", code)).toHaveLength(1);
    expect(await restrictedImports("src/store/probe.ts", code)).toHaveLength(1);
    const services = 'import type { X } from "../services/context.js";\nexport type Y = X;\n';
    expect(await restrictedImports("src/store/probe.ts", services)).toHaveLength(1);
  });

  it("keeps Kysely out of src/services, which reach the database through the store", async () => {
    for (const code of [
      'import type { Kysely } from "kysely";\nexport type Y = Kysely<never>;\n',
      'import { sql } from "kysely";\nexport const y = sql;\n',
    ]) {
      expect(await restrictedImports("src/services/account/probe.ts", code), code).toHaveLength(1);
    }
    const store =
      'import { withTransaction, type DatabaseHandle } from "../../store/index.js";\n' +
      "export const y: [typeof withTransaction, DatabaseHandle | null] = [withTransaction, null];\n";
    expect(await restrictedImports("src/services/account/probe.ts", store)).toEqual([]);
  });
});

describe("the environment", () => {
  it("is read only by the config, the CLI and the library's entry point", async () => {
    const code = "export const secret = process.env.TESSERA_JWT_SECRET;\n";
    for (const file of ["src/core/probe.ts", "src/services/probe.ts", "src/http/probe.ts"]) {
      const [result] = await eslint.lintText(code, { filePath: file });
      const rules = (result?.messages ?? []).map((m) => m.ruleId);
      expect(rules, file).toContain("no-restricted-properties");
    }
    const [config] = await eslint.lintText(code, { filePath: "src/config/index.ts" });
    expect((config?.messages ?? []).map((m) => m.ruleId)).not.toContain("no-restricted-properties");
  });
});
