/**
 * The types of settings (STYLE principle 22): how a variable's text becomes a value, how a typed
 * option is checked, and how a default is shown in the README. A type never throws: it answers
 * a value or its problems, each without the variable's name (the caller prefixes it), so every
 * problem of a configuration is reported at once.
 *
 * Imports nothing at run time but the core's secret-length rule: the library's entry point
 * (`src/index.ts`) reads its variables through these types, and must not load a database driver
 * or a password dictionary to do so.
 */
import { MIN_SECRET_BYTES, isSecretLongEnough } from "../core/secret.js";

/** What reading a value gave: the value, or why not. */
export type Reading<T> = { readonly value: T } | { readonly problems: readonly string[] };

/** The unit of a quantity; a setting's field and variable end with it (`sessionIdleMinutes`). */
export type Unit = "ms" | "seconds" | "minutes" | "hours" | "days" | "bytes" | "KiB";

/** How one setting is read from a variable and from a typed option. */
export interface SettingType<T> {
  /** What a number counts, when it counts time or size. */
  readonly unit?: Unit;
  /** A variable's text, already trimmed and not empty. */
  fromText(text: string): Reading<T>;
  /** A typed option; undefined when it says nothing (an empty string, as an empty variable). */
  fromValue(value: unknown): Reading<T> | undefined;
  /** A value as the README's "default" column shows it. */
  show(value: T): string;
}

/** A variable's text as Tessera reads it: trimmed; empty is the same as unset. */
export function variableText(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const text = env[name]?.trim();
  return text === undefined || text === "" ? undefined : text;
}

/** A comma-separated list: items trimmed, empty items dropped. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function refuse(problem: string): { readonly problems: readonly string[] } {
  return { problems: [problem] };
}

/** A typed string goes through the variable's rule (trimmed; empty says nothing). */
function asText<T>(fromText: (text: string) => Reading<T>) {
  return (value: unknown): Reading<T> | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== "string") return refuse(`expected a string, got ${JSON.stringify(value)}`);
    const text = value.trim();
    return text === "" ? undefined : fromText(text);
  };
}

/** Any text (a host, a name, a path). */
export function text(): SettingType<string> {
  const fromText = (value: string) => ({ value });
  return { fromText, fromValue: asText(fromText), show: (value) => value };
}

/** Text that must match `pattern`; `expected` says what, in the refusal. */
export function matching(pattern: RegExp, expected: string): SettingType<string> {
  const fromText = (value: string) =>
    pattern.test(value) ? { value } : refuse(`expected ${expected}, got ${JSON.stringify(value)}`);
  return { fromText, fromValue: asText(fromText), show: (value) => value };
}

/** A whole number from `min` to `max`, digits only (no sign, no exponent); of `unit` if given. */
export function integer(min: number, max: number, unit?: Unit): SettingType<number> {
  const valid = (value: number) => Number.isSafeInteger(value) && value >= min && value <= max;
  const expected = (got: unknown) =>
    refuse(`expected a whole number from ${min} to ${max}, got ${JSON.stringify(got)}`);
  return {
    ...(unit === undefined ? {} : { unit }),
    fromText: (raw) =>
      /^\d+$/.test(raw) && valid(Number(raw)) ? { value: Number(raw) } : expected(raw),
    fromValue: (value) =>
      value === undefined
        ? undefined
        : typeof value === "number" && valid(value)
          ? { value }
          : expected(value),
    show: String,
  };
}

/** A number from `min` to `max` (fractions allowed), of `unit` if given. */
export function decimal(min: number, max: number, unit?: Unit): SettingType<number> {
  const valid = (value: number) => Number.isFinite(value) && value >= min && value <= max;
  const expected = (got: unknown) =>
    refuse(`expected a number from ${min} to ${max}, got ${JSON.stringify(got)}`);
  return {
    ...(unit === undefined ? {} : { unit }),
    fromText: (raw) => (valid(Number(raw)) ? { value: Number(raw) } : expected(raw)),
    fromValue: (value) =>
      value === undefined
        ? undefined
        : typeof value === "number" && valid(value)
          ? { value }
          : expected(value),
    show: String,
  };
}

/**
 * One of `values`, spelled exactly. The refusal lists them joined by "or" (`expected off or
 * open`), or after "one of" when `phrase` says so (`expected one of HS256, EdDSA, ES256`).
 */
export function choice<const T extends string>(
  values: readonly T[],
  phrase: "or" | "one of" = "or",
): SettingType<T> {
  const listed = phrase === "or" ? values.join(" or ") : `one of ${values.join(", ")}`;
  const fromText = (value: string): Reading<T> =>
    (values as readonly string[]).includes(value)
      ? { value: value as T }
      : refuse(`expected ${listed}, got ${JSON.stringify(value)}`);
  return { fromText, fromValue: asText(fromText), show: (value) => value };
}

/** A yes/no setting: the variable is spelled `on` or `off` (e.g. "true"/"false", "on"/"off"). */
export function flag(on: string, off: string): SettingType<boolean> {
  return {
    fromText: (value) =>
      value === on
        ? { value: true }
        : value === off
          ? { value: false }
          : refuse(`expected ${on} or ${off}, got ${JSON.stringify(value)}`),
    fromValue: (value) =>
      value === undefined
        ? undefined
        : typeof value === "boolean"
          ? { value }
          : refuse(`expected true or false, got ${JSON.stringify(value)}`),
    show: (value) => (value ? on : off),
  };
}

/**
 * A comma-separated list (a typed option: an array of strings), each item checked by `item`,
 * which answers why an item is refused or undefined. Every refused item is reported.
 */
export function list(
  item: (entry: string) => string | undefined = () => undefined,
): SettingType<readonly string[]> {
  const checked = (entries: string[]): Reading<readonly string[]> => {
    const problems = entries.flatMap((entry) => item(entry) ?? []);
    return problems.length > 0 ? { problems } : { value: entries };
  };
  return {
    fromText: (raw) => checked(splitList(raw)),
    fromValue: (value) => {
      if (value === undefined) return undefined;
      if (!Array.isArray(value) || !value.every((entry) => typeof entry === "string")) {
        return refuse(`expected a list of strings, got ${JSON.stringify(value)}`);
      }
      return checked(value.map((entry: string) => entry.trim()).filter((entry) => entry !== ""));
    },
    show: (value) => (value.length === 0 ? "none" : value.join(",")),
  };
}

/** Text of at least `min` characters (a bearer credential); the refusal never repeats it. */
export function credential(min: number): SettingType<string> {
  const fromText = (value: string) =>
    value.length >= min
      ? { value }
      : refuse(`at least ${min} characters (e.g. \`openssl rand -base64 32\`)`);
  return { fromText, fromValue: asText(fromText), show: () => "set" };
}

/** A secret the core accepts (`isSecretLongEnough`: 32 UTF-8 bytes); the refusal never repeats it. */
export function secret(): SettingType<string> {
  const fromText = (value: string) =>
    isSecretLongEnough(value) ? { value } : refuse(`must be at least ${MIN_SECRET_BYTES} bytes`);
  return { fromText, fromValue: asText(fromText), show: () => "set" };
}

/** An http(s) URL, kept without its trailing slash. */
export function httpUrl(): SettingType<string> {
  const fromText = (raw: string): Reading<string> => {
    try {
      const url = new URL(raw);
      if (url.protocol === "http:" || url.protocol === "https:") {
        return { value: url.href.replace(/\/$/, "") };
      }
    } catch {
      // refused below
    }
    return refuse(`expected an http(s) URL, got ${JSON.stringify(raw)}`);
  };
  return { fromText, fromValue: asText(fromText), show: (value) => value };
}

/** An SMTP server URL; it may carry a password, so the refusal does not repeat it. */
export function smtpUrl(): SettingType<string> {
  const fromText = (value: string): Reading<string> => {
    try {
      const url = new URL(value);
      if ((url.protocol === "smtp:" || url.protocol === "smtps:") && url.hostname !== "") {
        return { value };
      }
    } catch {
      // refused below
    }
    return refuse("expected smtp://user:pass@host:port or smtps://…");
  };
  return { fromText, fromValue: asText(fromText), show: (value) => value };
}

/** `addr@host` or `Display Name <addr@host>`, on one line (no header injection). */
export function isMailbox(value: string): boolean {
  if (/[\r\n]/.test(value)) return false;
  const address = /^[^<>]*<([^<>\s]+)>$/.exec(value)?.[1] ?? value;
  return /^[^\s@<>",]+@[^\s@<>",]+$/.test(address);
}

/** A mail sender (`From`). */
export function mailbox(): SettingType<string> {
  const fromText = (value: string) =>
    isMailbox(value)
      ? { value }
      : refuse(
          `expected an address like no-reply@example.com or "Name <no-reply@example.com>", got ${JSON.stringify(value)}`,
        );
  return { fromText, fromValue: asText(fromText), show: (value) => value };
}

/** An IP address or CIDR range (syntax only; Fastify's proxy-addr reads it). */
const ADDRESS = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

/** A list item that is an address, a range or one of `keywords`. */
export function addressItem(keywords: readonly string[]): (entry: string) => string | undefined {
  const others = keywords.length === 1 ? keywords[0] : keywords.join("/");
  return (entry) =>
    ADDRESS.test(entry) || keywords.includes(entry)
      ? undefined
      : `${JSON.stringify(entry)} is not an IP address, a CIDR range or ${others}`;
}

/** A list item that is a web origin (`https://example.com`, no path). */
export function originItem(entry: string): string | undefined {
  try {
    if (new URL(entry).origin === entry) return undefined;
  } catch {
    // refused below
  }
  return `${JSON.stringify(entry)} is not an origin like https://example.com`;
}

/**
 * A default that is not a constant: `resolve` works it out from other settings. `shown` is how
 * the README's table says it.
 */
export interface DerivedDefault {
  readonly derived: string;
}

/** A default worked out from other settings (see `resolve.ts`), shown in the README as `shown`. */
export function derived(shown: string): DerivedDefault {
  return Object.freeze({ derived: shown });
}

/**
 * One row of the configuration table: a variable, its type (with range and unit), its default
 * (a constant, null for none, or derived) and the README's summary. The row's key in the table
 * is the settings field it fills.
 */
export interface SettingRow<T = unknown, D = unknown> {
  readonly name: string;
  readonly type: SettingType<T>;
  readonly default: D;
  readonly summary: string;
}

/** A row, its default checked against its type. */
export function row<T, const D extends T | null | DerivedDefault>(
  spec: SettingRow<T, D>,
): SettingRow<T, D> {
  return Object.freeze(spec);
}

/** Whether a row's default is worked out by `resolve`. */
export function isDerived(value: unknown): value is DerivedDefault {
  return typeof value === "object" && value !== null && "derived" in value;
}

/** A row's default as the README shows it ("none" for none). */
export function shownDefault(setting: SettingRow): string {
  const fallback = setting.default;
  if (isDerived(fallback)) return fallback.derived;
  if (fallback === null) return "none";
  return setting.type.show(fallback);
}
