/** Helpers the operator commands share. */
import { parseArgs } from "node:util";
import type { CliIo } from "../cli.js";
import { parseDatabaseUrl } from "../store/index.js";

/** Exit code of a usage error (the same as cli.ts's `EXIT_USAGE`; kept here so commands do
 * not import the CLI module at run time). */
export const EXIT_USAGE = 2;

/** The database a URL names, without its password. */
export function describeDatabase(url: string | undefined): string {
  const location = parseDatabaseUrl(url);
  if (location.dialect === "sqlite") return `SQLite database ${location.path}`;
  try {
    const parsed = new URL(location.connectionString);
    if (parsed.password !== "") parsed.password = "***";
    return `PostgreSQL database ${parsed.toString()}`;
  } catch {
    return "PostgreSQL database";
  }
}

/** Parsed options and positionals, or null after printing the usage problem. */
export function parseCommandArgs(
  args: readonly string[],
  spec: Record<string, "string" | "boolean">,
  io: CliIo,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | null {
  try {
    const options = Object.fromEntries(
      Object.entries(spec).map(([name, type]) => [name, { type }]),
    );
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    return {
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    io.err((error as Error).message);
    return null;
  }
}
