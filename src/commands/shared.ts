/** Helpers the operator commands share. */
import { parseArgs } from "node:util";
import { parseDatabaseUrl } from "../store/index.js";

/** Where a command writes; tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** One `tessera <name>` command. */
export interface CliCommand {
  /** One line for `tessera help`. */
  summary: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number>;
}

/** Exit code of a usage error (unknown command or argument). */
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
