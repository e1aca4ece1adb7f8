/** The operator command tests: what `runCli` printed, line by line. */
import type { CliIo } from "../../src/cli.js";

/** A `CliIo` that keeps the standard output's lines and the standard error's. */
export function captureIo(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}
