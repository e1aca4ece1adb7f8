#!/usr/bin/env node
/**
 * The `tessera` command. Commands live in one table (`COMMANDS`) so new ones (serve,
 * create-admin, reset-password) are one entry each. Exit codes: 0 success, 1 failure,
 * 2 usage error (as BSD sysexits' EX_USAGE convention abbreviates it, and as most CLIs do).
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  disableSecondFactorsCommand,
  unlockCommand,
  verifyEmailCommand,
} from "./commands/accounts.js";
import { auditCommand } from "./commands/audit.js";
import { backupCommand, restoreCommand } from "./commands/backup.js";
import { clientsCommand } from "./commands/clients.js";
import { rolesCommand } from "./commands/roles.js";
import { providersCommand } from "./commands/providers.js";
import { importCommand } from "./commands/import.js";
import { migrateCommand } from "./commands/migrate.js";
import { ConfigError, loadConfig } from "./config/index.js";
import { NotFoundError, isTesseraError } from "./core/errors.js";
import { signingKeySettings } from "./runtime.js";
import {
  describeSigningKeys,
  pruneSigningKeys,
  rotateSigningKey,
} from "./services/keys/signing-keys.js";
import { generateOneTimePassword, serve } from "./server.js";
import type { ServiceContext } from "./services/context.js";
import { findUnsafeIdentifiers } from "./services/operator/check-names.js";
import { resetPasswordAsOperator } from "./services/account/passwords.js";
import { createUser } from "./services/account/users.js";

// The command contract lives beside the commands, so they never import this module back.
import { EXIT_USAGE, withTessera, type CliCommand, type CliIo } from "./commands/shared.js";

export { EXIT_USAGE };
export type { CliCommand, CliIo };

/** Every command by name. */
export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  serve: {
    summary: "Run the server (migrates first; creates the first admin on an empty database)",
    async run(args, env, io) {
      if (args.length > 0) {
        io.err(
          `tessera serve takes no arguments; configure it with TESSERA_* variables (got ${args.join(" ")})`,
        );
        return EXIT_USAGE;
      }
      // Under npm (`npm start`, `npx tessera serve`) the server lives as long as npm does.
      await serve(loadConfig(env), io.out, {
        stopWithParent: env.npm_lifecycle_event !== undefined,
      });
      return 0;
    },
  },
  "create-admin": {
    summary:
      "Create an admin: --name NAME --email EMAIL [--password-stdin] (else a one-time password is printed)",
    async run(args, env, io) {
      const parsed = parseOptions(
        args,
        { name: "string", email: "string", "password-stdin": "boolean" },
        io,
      );
      if (parsed === null) return EXIT_USAGE;
      const name = parsed.name;
      const email = parsed.email;
      if (typeof name !== "string" || typeof email !== "string") {
        io.err("tessera create-admin needs --name NAME and --email EMAIL");
        return EXIT_USAGE;
      }
      const fromStdin = parsed["password-stdin"] === true;
      const password = fromStdin ? await readPasswordFromStdin() : generateOneTimePassword();
      return withContext(env, async (ctx) => {
        const user = await createUser(ctx, null, {
          name,
          email,
          password,
          isAdmin: true,
          // A password the operator chose is theirs; a printed one must be changed.
          mustChangePassword: !fromStdin,
        });
        io.out(`Created admin ${user.name} (${user.id}).`);
        if (!fromStdin) {
          io.out(`One-time password: ${password}`);
          io.out("It is shown once and must be changed at the first sign-in.");
        }
        return 0;
      });
    },
  },
  "reset-password": {
    summary:
      "Reset a user's password: --name NAME_OR_EMAIL [--password-stdin] (else a one-time password is printed); ends the user's sessions",
    async run(args, env, io) {
      const parsed = parseOptions(args, { name: "string", "password-stdin": "boolean" }, io);
      if (parsed === null) return EXIT_USAGE;
      if (typeof parsed.name !== "string") {
        io.err("tessera reset-password needs --name NAME_OR_EMAIL");
        return EXIT_USAGE;
      }
      const query = parsed.name;
      const fromStdin = parsed["password-stdin"] === true;
      const password = fromStdin ? await readPasswordFromStdin() : generateOneTimePassword();
      return withContext(env, async (ctx) => {
        let user;
        try {
          user = await resetPasswordAsOperator(ctx, query, password, {
            mustChangePassword: !fromStdin,
          });
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
          io.err(`No user named ${JSON.stringify(query)}.`);
          return 1;
        }
        io.out(`Reset the password of ${user.name}; their sessions have ended.`);
        if (!fromStdin) {
          io.out(`One-time password: ${password}`);
          io.out("It is shown once and must be changed at the next sign-in.");
        }
        return 0;
      });
    },
  },
  "disable-2fa": disableSecondFactorsCommand,
  unlock: unlockCommand,
  "verify-email": verifyEmailCommand,
  "check-names": {
    summary:
      "List users whose name or email holds a character refused today (invisible, bidi control, unpaired surrogate); exit 1 when any",
    async run(args, env, io) {
      if (args.length > 0) {
        io.err(`tessera check-names takes no arguments (got ${args.join(" ")})`);
        return EXIT_USAGE;
      }
      return withContext(env, async (ctx) => {
        const unsafe = await findUnsafeIdentifiers(ctx);
        for (const entry of unsafe) {
          io.out(
            `${entry.userId} ${entry.field} "${entry.escaped}": ${entry.character} (${entry.reason})`,
          );
        }
        io.out(
          unsafe.length === 0
            ? "Every name and email is clean."
            : `${unsafe.length} name(s) or email(s) hold refused characters; they still work, rename them if they imitate another account.`,
        );
        return unsafe.length === 0 ? 0 : 1;
      });
    },
  },
  migrate: migrateCommand,
  import: importCommand,
  audit: auditCommand,
  backup: backupCommand,
  restore: restoreCommand,
  clients: clientsCommand,
  roles: rolesCommand,
  providers: providersCommand,
  keys: {
    summary:
      "Token-signing keys (EdDSA/ES256 sessions, RS256 ID tokens): keys list | keys rotate [RS256] (new key signs, old ones verify until their tokens expire) | keys prune",
    async run(args, env, io) {
      const [action, algorithm, ...rest] = args;
      const rotatesOne = action === "rotate" && (algorithm === undefined || algorithm === "RS256");
      const valid =
        rotatesOne || (["list", "prune"].includes(action ?? "") && algorithm === undefined);
      if (!valid || rest.length > 0) {
        io.err("tessera keys takes one of: list, rotate, rotate RS256, prune");
        return EXIT_USAGE;
      }
      const config = loadConfig(env);
      return withContext(env, async (ctx) => {
        const settings = signingKeySettings(config);
        if (action === "rotate") {
          // Without an algorithm: the session key (EdDSA/ES256); RS256: the ID-token key.
          const rotated = algorithm === "RS256" ? "RS256" : config.jwtAlgorithm;
          const kid = await rotateSigningKey(ctx.db, settings, ctx.clock, rotated);
          io.out(
            `New ${rotated} signing key ${kid}; every instance signs with it within a minute.`,
          );
          return 0;
        }
        if (action === "prune") {
          const pruned = await pruneSigningKeys(ctx.db, settings, ctx.clock);
          io.out(pruned.length === 0 ? "No key to prune." : `Pruned ${pruned.join(", ")}.`);
          return 0;
        }
        const keys = await describeSigningKeys(ctx.db, settings, ctx.clock);
        if (keys.length === 0)
          io.out(`No stored keys (${config.jwtAlgorithm} uses the configured secret).`);
        for (const key of keys) {
          const state = key.signing
            ? "signing"
            : key.verifiesUntil === null
              ? "verifying"
              : `verifies until ${key.verifiesUntil.toISOString()}`;
          io.out(`${key.kid}  ${key.algorithm}  created ${key.createdAt.toISOString()}  ${state}`);
        }
        return 0;
      });
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
    if (error instanceof ConfigError) io.err(error.message);
    else if (isTesseraError(error)) io.err(`tessera ${name} failed: ${error.detail}`);
    else io.err(`tessera ${name} failed: ${describeError(error)}`);
    return 1;
  }
}

/** Runs one operator command over the services of the configured Tessera. */
function withContext(
  env: NodeJS.ProcessEnv,
  run: (ctx: ServiceContext) => Promise<number>,
): Promise<number> {
  return withTessera(env, (tessera) => run(tessera.ctx));
}

function parseOptions(
  args: readonly string[],
  spec: Record<string, "string" | "boolean">,
  io: CliIo,
): Record<string, string | boolean | undefined> | null {
  try {
    const options = Object.fromEntries(
      Object.entries(spec).map(([name, type]) => [name, { type }]),
    );
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false })
      .values as Record<string, string | boolean | undefined>;
  } catch (error) {
    io.err((error as Error).message);
    return null;
  }
}

/** Reads the password from standard input (one line; the trailing newline is dropped). */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

function printUsage(write: (line: string) => void): void {
  write("Usage: tessera <command>");
  write("");
  for (const [name, command] of Object.entries(COMMANDS)) {
    write(`  ${name.padEnd(16)}${command.summary}`);
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
