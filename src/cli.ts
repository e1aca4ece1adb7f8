#!/usr/bin/env node
/**
 * The `tessera` command. Commands live in one table (`COMMANDS`) so new ones (serve,
 * create-admin, reset-password) are one entry each. Exit codes: 0 success, 1 failure,
 * 2 usage error (as BSD sysexits' EX_USAGE convention abbreviates it, and as most CLIs do).
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createDatabase, migrateToLatest, parseDatabaseUrl } from "./store/index.js";

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

/** Every command by name. */
export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  migrate: {
    summary: "Apply pending database migrations (reads TESSERA_DATABASE_URL)",
    async run(args, env, io) {
      if (args.length > 0) {
        io.err(`tessera migrate takes no arguments (got ${args.join(" ")})`);
        return EXIT_USAGE;
      }
      const url = env.TESSERA_DATABASE_URL;
      io.out(`Migrating ${describeDatabase(url)}`);
      const database = await createDatabase(url);
      try {
        const applied = await migrateToLatest(database.db);
        if (applied.length === 0) io.out("The database is up to date.");
        for (const name of applied) io.out(`Applied ${name}`);
        return 0;
      } finally {
        await database.destroy();
      }
    },
  },
};

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs `tessera <argv…>` and resolves to the exit code; never throws. */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = defaultIo,
): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    printUsage(io.out);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.err(`Unknown command "${name}".`);
    printUsage(io.err);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args, env, io);
  } catch (error) {
    io.err(`tessera ${name} failed: ${describeError(error)}`);
    return 1;
  }
}

function printUsage(write: (line: string) => void): void {
  write("Usage: tessera <command>");
  write("");
  for (const [name, command] of Object.entries(COMMANDS)) {
    write(`  ${name.padEnd(16)}${command.summary}`);
  }
}

/** The database a URL names, without its password. */
function describeDatabase(url: string | undefined): string {
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

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

// Run only when executed (`node dist/cli.js`, the npm bin symlink, or `tsx src/cli.ts`),
// not when imported by tests.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
