/**
 * Reading the table (`rows.ts`): every row's value from the environment or from typed options,
 * through its type (`types.ts`), keeping every problem so that all are reported at once.
 */
import type { SettingField, SETTING_ROWS } from "./rows.js";
import type { SettingValues } from "./settings.js";
import type { Reading } from "./types.js";

/** A row of the table with the field it fills. */
type SettingRowOf = (typeof SETTING_ROWS)[number];

/** A problem, and the field it is about (null: none of the table's). */
export interface Problem {
  readonly field: SettingField | null;
  readonly message: string;
}

/** What the rows read: the values given (and valid), those refused, and the problems. */
export interface ReadSettings {
  readonly given: Partial<SettingValues>;
  /** Given but refused by their type: a rule across fields still counts them as given. */
  readonly refused: ReadonlySet<SettingField>;
  readonly problems: readonly Problem[];
  /** How a problem names a field: its variable (`loadConfig`) or itself (typed options). */
  readonly label: (field: SettingField) => string;
}

/**
 * Reads every row with `read` (a variable's text, or a typed option): a value, its problems,
 * or undefined when the row is not given. Every problem is kept; none stops the reading.
 */
export function readRows(
  rows: readonly SettingRowOf[],
  read: (setting: SettingRowOf) => Reading<unknown> | undefined,
  label: (field: SettingField) => string,
  problems: readonly Problem[] = [],
): ReadSettings {
  const given: Partial<Record<SettingField, unknown>> = {};
  const refused = new Set<SettingField>();
  const found = [...problems];
  for (const setting of rows) {
    const reading = read(setting);
    if (reading === undefined) continue;
    if ("value" in reading) {
      given[setting.field] = reading.value;
      continue;
    }
    refused.add(setting.field);
    for (const problem of reading.problems) {
      found.push({ field: setting.field, message: `${label(setting.field)}: ${problem}` });
    }
  }
  return { given: given as Partial<SettingValues>, refused, problems: found, label };
}
