/**
 * `src/config/rows.ts`, the configuration table: it and the README's table cannot drift (every
 * row's name and default in the README, every README row a row, in the same order), each row's
 * default is a value of its own type, a quantity's unit is in its names, every row fills its
 * field, and no place of use applies a default of its own.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT, SETTING_ROWS } from "../src/config/index.js";
import { isDerived, shownDefault, type SettingType } from "../src/config/types.js";
import { INPUT_FIELDS } from "../src/config/settings.js";
import { testConfig } from "./helpers/server.js";
import { sourceFiles } from "./helpers/source-files.js";

/** The README's configuration table as (variable, default) pairs, in order. */
function readmeTable(): { name: string; default: string }[] {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? "";
  return section
    .split("\n")
    .filter((line) => /^\| `/.test(line))
    .flatMap((line) => {
      const [, variables = "", defaults = ""] = line.split("|").map((cell) => cell.trim());
      const names = [...variables.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);
      const plain = defaults.replaceAll("`", "");
      // A row that groups variables lists their defaults in the same order, comma-separated.
      const shown = names.length === 1 ? [plain] : plain.split(", ");
      expect(shown, line).toHaveLength(names.length);
      return names.map((name, i) => ({ name, default: shown[i]! }));
    });
}

describe("the configuration table and the README's", () => {
  it("name the same variables, in the same order, with the same defaults", () => {
    const rows = SETTING_ROWS.map((setting) => ({
      name: setting.name,
      default: shownDefault(setting),
    }));
    expect(readmeTable()).toEqual(rows);
    expect(ENVIRONMENT.map(({ name, default: shown }) => ({ name, default: shown }))).toEqual(rows);
  });
});

describe("the configuration table", () => {
  it("gives each row a default of its own type, which reads back from the README's text", () => {
    for (const setting of SETTING_ROWS) {
      const fallback: unknown = setting.default;
      if (isDerived(fallback) || fallback === null) continue;
      const type = setting.type as SettingType<unknown>;
      const shown = type.show(fallback);
      if (Array.isArray(fallback) && fallback.length === 0) {
        expect(shown, setting.name).toBe("none");
        continue;
      }
      expect(type.fromText(shown), setting.name).toEqual({ value: fallback });
      expect(type.fromValue(fallback), setting.name).toEqual({ value: fallback });
    }
  });

  it("puts a quantity's unit in its field's and its variable's names", () => {
    const suffixes = {
      ms: ["Ms", "_MS"],
      seconds: ["Seconds", "_SECONDS"],
      minutes: ["Minutes", "_MINUTES"],
      hours: ["Hours", "_HOURS"],
      days: ["Days", "_DAYS"],
      bytes: ["Bytes", "_BYTES"],
      KiB: ["Kib", "_KIB"],
    } as const;
    const withUnits = SETTING_ROWS.filter((setting) => setting.type.unit !== undefined);
    expect(withUnits.length).toBeGreaterThan(10);
    for (const setting of withUnits) {
      const [field, variable] = suffixes[setting.type.unit!];
      expect(setting.field.endsWith(field), setting.field).toBe(true);
      expect(setting.name.endsWith(variable), setting.name).toBe(true);
    }
    // And a field whose name says a duration or a size has a unit.
    for (const setting of SETTING_ROWS) {
      if (/(Ms|Seconds|Minutes|Hours|Days|Bytes|Kib)$/.test(setting.field)) {
        expect(setting.type.unit, setting.field).toBeDefined();
      }
    }
  });

  it("fills every field of the resolved configuration", () => {
    const config = testConfig() as unknown as Record<string, Record<string, unknown>>;
    for (const { field } of SETTING_ROWS) {
      const [group, member] = field.split(".") as [string, string | undefined];
      if ((INPUT_FIELDS as readonly string[]).includes(group)) {
        // Read, then made into another setting (jwtKeys, production); the breach check's two
        // rows become one setting of the same name, null when off.
        expect(Object.keys(config).includes(group), field).toBe(group === "breachedPasswords");
        continue;
      }
      const value = member === undefined ? config[group] : config[group]?.[member];
      expect(value, field).not.toBeUndefined();
    }
    expect(Object.isFrozen(config.argon2)).toBe(true);
    expect(Object.isFrozen(config.metrics)).toBe(true);
    expect(Object.isFrozen(config.webauthn?.origins)).toBe(true);
  });
});

describe("the places of use", () => {
  it("apply no default of their own to a setting (the resolved settings are complete)", () => {
    const fallbacks = sourceFiles()
      .filter((path) => !path.includes("/src/config/"))
      .flatMap((path) =>
        readFileSync(path, "utf8")
          .split("\n")
          .filter((line) => /\bsettings\??\.[a-zA-Z.]+(\?\.[a-zA-Z]+)* \?\?/.test(line))
          .map((line) => `${path}: ${line.trim()}`),
      );
    expect(fallbacks).toEqual([]);
  });
});
