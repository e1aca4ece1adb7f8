/** Helpers the operator commands share. */
import { parseArgs } from "node:util";
import { loadConfig } from "../config/index.js";
import { createTessera, type TesseraRuntime } from "../runtime.js";
import { parseDatabaseUrl } from "../store/index.js";

/** Where a command writes; tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Standard input as text (a secret piped in); default: the process's. */
  readStdin?(): Promise<string>;
}

/** Standard input as text, without its final line break. */
export async function readStdinText(io: CliIo): Promise<string> {
  if (io.readStdin !== undefined) return (await io.readStdin()).replace(/\r?\n$/, "");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
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

/** Prints `problem` (if any) and the command's usage lines on stderr; the usage exit code. */
export function printUsage(io: CliIo, lines: readonly string[], problem?: string): number {
  if (problem !== undefined) io.err(problem);
  for (const line of lines) io.err(line);
  return EXIT_USAGE;
}

/** One action of a command with actions (`tessera clients add …`). */
export type CliAction = (
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
) => Promise<number>;

/** A command whose first argument names one of `actions`; anything else is a usage error. */
export function commandWithActions(
  summary: string,
  usage: readonly string[],
  actions: Readonly<Record<string, CliAction>>,
): CliCommand {
  return {
    summary,
    async run(args, env, io) {
      const [action, ...rest] = args;
      const run =
        action !== undefined && Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (run === undefined) {
        return printUsage(
          io,
          usage,
          action === undefined ? undefined : `Unknown action "${action}".`,
        );
      }
      return run(rest, env, io);
    },
  };
}

/**
 * Runs `run` over the running parts of the Tessera `env` configures, closed after. A command's
 * mail worker sends nothing on its own: the server's worker sends what the command queues (a
 * notice), and a command never claims, and writes to its own outbox, the server's mail.
 */
export async function withTessera<T>(
  env: NodeJS.ProcessEnv,
  run: (tessera: TesseraRuntime) => Promise<T>,
): Promise<T> {
  const tessera = await createTessera(loadConfig(env), { mailPolling: false });
  try {
    return await run(tessera);
  } finally {
    await tessera.close();
  }
}

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

/**
 * Parsed options and positionals, or null after printing the usage problem. An option of type
 * "strings" may be repeated (`--redirect-uri A --redirect-uri B`) and reads as a list.
 */
export function parseCommandArgs(
  args: readonly string[],
  spec: Record<string, "string" | "boolean" | "strings">,
  io: CliIo,
): {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
} | null {
  try {
    const options = Object.fromEntries(
      Object.entries(spec).map(([name, type]) => [
        name,
        type === "strings" ? { type: "string" as const, multiple: true } : { type },
      ]),
    );
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    return {
      values: parsed.values as Record<string, string | boolean | string[] | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    io.err((error as Error).message);
    return null;
  }
}
