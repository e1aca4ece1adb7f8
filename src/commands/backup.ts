/**
 * `tessera backup FILE`: a consistent copy of the live SQLite database (the online backup API,
 * no need to stop the server), with the generated JWT secret beside it as `FILE.jwt-secret`;
 * for PostgreSQL, the `pg_dump` command to run. `tessera restore FILE [--force]`: the reverse,
 * refusing to overwrite a database that holds users or audit events unless forced.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { CliCommand } from "./shared.js";
import { JWT_SECRET_FILE, resolveDataDir } from "../config/index.js";
import {
  backupSqliteFile,
  isSqliteDatabaseEmpty,
  parseDatabaseUrl,
  restoreSqliteFile,
} from "../store/index.js";
import { EXIT_USAGE, describeDatabase, parseCommandArgs } from "./shared.js";

/** What the secret beside a backup is called. */
export const SECRET_SUFFIX = ".jwt-secret";

export const backupCommand: CliCommand = {
  summary:
    "Back up the live SQLite database to FILE (and its JWT secret to FILE.jwt-secret); prints the pg_dump command for PostgreSQL",
  async run(args, env, io) {
    const parsed = parseCommandArgs(args, {}, io);
    if (parsed === null) return EXIT_USAGE;
    const [file, ...rest] = parsed.positionals;
    if (file === undefined || rest.length > 0) {
      io.err("tessera backup needs exactly one FILE");
      return EXIT_USAGE;
    }
    const url = env.TESSERA_DATABASE_URL;
    const location = parseDatabaseUrl(url);
    if (location.dialect === "postgres") {
      io.out("PostgreSQL is backed up with its own tool, consistent while Tessera runs:");
      io.out(
        `  pg_dump --format=custom --no-owner --file=${shellQuote(file)} "$TESSERA_DATABASE_URL"`,
      );
      io.out("Keep TESSERA_JWT_SECRET with it: without the secret every session ends on restore.");
      return 0;
    }
    if (location.path === ":memory:") {
      io.err("An in-memory database cannot be backed up.");
      return 1;
    }
    await backupSqliteFile(location.path, file);
    io.out(`Backed up ${describeDatabase(url)} to ${file}.`);
    const secret = join(resolveDataDir(env), JWT_SECRET_FILE);
    if (existsSync(secret)) {
      copyFileSync(secret, `${file}${SECRET_SUFFIX}`);
      chmodSync(`${file}${SECRET_SUFFIX}`, 0o600);
      io.out(`Copied the JWT secret to ${file}${SECRET_SUFFIX} (mode 0600): keep both together.`);
    } else if (env.TESSERA_JWT_SECRET?.trim()) {
      io.out("The JWT secret comes from TESSERA_JWT_SECRET: keep it with the backup.");
    } else {
      io.err(
        `Warning: no JWT secret found (${secret}, TESSERA_JWT_SECRET): a restore needs the secret the server used, or every session ends.`,
      );
    }
    return 0;
  },
};

export const restoreCommand: CliCommand = {
  summary:
    "Restore FILE made by tessera backup into TESSERA_DATABASE_URL (stop the server first); refuses a non-empty database without --force",
  async run(args, env, io) {
    const parsed = parseCommandArgs(args, { force: "boolean" }, io);
    if (parsed === null) return EXIT_USAGE;
    const [file, ...rest] = parsed.positionals;
    if (file === undefined || rest.length > 0) {
      io.err("tessera restore needs exactly one FILE");
      return EXIT_USAGE;
    }
    const force = parsed.values.force === true;
    const url = env.TESSERA_DATABASE_URL;
    const location = parseDatabaseUrl(url);
    if (location.dialect === "postgres") {
      io.out("PostgreSQL is restored with its own tool, into an empty database:");
      io.out(`  pg_restore --no-owner --dbname="$TESSERA_DATABASE_URL" ${shellQuote(file)}`);
      io.out("(add --clean --if-exists to replace what is there), then tessera migrate.");
      return 0;
    }
    if (location.path === ":memory:") {
      io.err("Cannot restore into an in-memory database.");
      return 1;
    }
    if (!existsSync(file)) {
      io.err(`No such file: ${file}`);
      return 1;
    }
    if (!force && !isSqliteDatabaseEmpty(location.path)) {
      io.err(
        `${describeDatabase(url)} holds users or audit events: refusing to overwrite it. Pass --force to replace it.`,
      );
      return 1;
    }
    mkdirSync(dirname(resolve(location.path)), { recursive: true });
    await restoreSqliteFile(file, location.path);
    io.out(`Restored ${file} into ${describeDatabase(url)}.`);
    const secret = `${file}${SECRET_SUFFIX}`;
    if (existsSync(secret)) {
      const target = join(resolveDataDir(env), JWT_SECRET_FILE);
      if (existsSync(target) && !force) {
        io.err(`Kept the existing ${target}; pass --force to replace it with ${secret}.`);
      } else {
        mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
        copyFileSync(secret, target);
        chmodSync(target, 0o600);
        io.out(`Restored the JWT secret to ${target}.`);
      }
    }
    io.out("Start the server: it applies any newer migrations.");
    return 0;
  },
};

/** Single-quotes a path for a POSIX shell. */
function shellQuote(value: string): string {
  return /^[\w./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}
