/**
 * Debian's Python under /usr/bin/python3 (the python3 on PATH may be another interpreter without
 * Debian's packages; PyPI is not reachable), for the tests that run a client nobody here wrote.
 * `pythonModules` says whether the modules import; a test skips with the printed reason when they
 * do not, except under CI=true, where it fails (.ci/run installs them).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";

export const PYTHON = "/usr/bin/python3";

/** Whether the modules import under `PYTHON`; the reason when they do not. */
export function pythonModules(
  modules: readonly string[],
  packages: string,
): { available: boolean; reason: string } {
  const probe = spawnSync(PYTHON, ["-c", `import ${modules.join(", ")}`], { encoding: "utf8" });
  const available = probe.status === 0;
  const reason =
    `${modules.join(", ")} not importable by ${PYTHON} ` +
    `(${probe.error?.message ?? probe.stderr.trim()}); install Debian's packages: apt-get install -y ${packages}`;
  return { available, reason };
}

/** A child process that answers in lines: each read waits for the next line of its stdout. */
export interface LineProcess {
  /** The next line of stdout (rejects when the process ends first, with its stderr). */
  nextLine(): Promise<string>;
  /** Writes one line to stdin. */
  writeLine(line: string): void;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  kill(): void;
}

/** Starts `command args` with pipes; its lines of stdout are read one by one. */
export function startLineProcess(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): LineProcess {
  const child: ChildProcessWithoutNullStreams = spawn(command, [...args], {
    env: { ...process.env, ...env },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: string[] = [];
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  let ended = false;
  const reader = createInterface({ input: child.stdout });
  reader.on("line", (line) => {
    const waiter = waiting.shift();
    if (waiter === undefined) lines.push(line);
    else waiter.resolve(line);
  });
  const exited = new Promise<number>((resolve) => {
    child.on("close", (code) => {
      ended = true;
      for (const waiter of waiting.splice(0)) {
        waiter.reject(
          new Error(`${command} ended (code ${code}) before a line; stderr: ${stderr}`),
        );
      }
      resolve(code ?? -1);
    });
  });
  return {
    nextLine() {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.reject(new Error(`${command} has ended; stderr: ${stderr}`));
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    writeLine(line) {
      child.stdin.write(`${line}\n`);
    },
    exited,
    stderr: () => stderr,
    kill: () => {
      if (!ended) child.kill();
    },
  };
}
