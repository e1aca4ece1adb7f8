/**
 * Versioned migrations, imported statically (not read from a folder at run time) so they work
 * the same from `dist/` and from `tsx`. Names sort in the order they run; never rename one.
 */
import { Migrator } from "kysely";
import type { Kysely, Migration, MigrationProvider } from "kysely";
import { setTimeout as sleep } from "node:timers/promises";
import { InternalError } from "../../core/errors.js";
import { isBusyError } from "../dialect.js";
import * as initialSchema from "./0001-initial-schema.js";
import * as sessions from "./0002-sessions.js";
import * as auditChain from "./0003-audit-chain.js";
import * as signingKeys from "./0004-signing-keys.js";
import * as rateLimitCounters from "./0005-rate-limit-counters.js";
import * as recoveryCodes from "./0006-recovery-codes.js";
import * as accountLock from "./0007-account-lock.js";
import * as mail from "./0008-mail.js";
import * as mailFlows from "./0009-mail-flows.js";
import * as userList from "./0010-user-list.js";
import * as oidc from "./0011-oidc.js";
import * as personalAccessTokens from "./0012-personal-access-tokens.js";
import * as roles from "./0013-roles.js";
import * as upstreamProviders from "./0014-upstream-providers.js";
import * as passwordPolicyVersion from "./0015-password-policy-version.js";
import * as userLocale from "./0016-user-locale.js";

/** Every migration by name, in order. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  "0001-initial-schema": initialSchema,
  "0002-sessions": sessions,
  "0003-audit-chain": auditChain,
  "0004-signing-keys": signingKeys,
  "0005-rate-limit-counters": rateLimitCounters,
  "0006-recovery-codes": recoveryCodes,
  "0007-account-lock": accountLock,
  "0008-mail": mail,
  "0009-mail-flows": mailFlows,
  "0010-user-list": userList,
  "0011-oidc": oidc,
  "0012-personal-access-tokens": personalAccessTokens,
  "0013-roles": roles,
  "0014-upstream-providers": upstreamProviders,
  "0015-password-policy-version": passwordPolicyVersion,
  "0016-user-locale": userLocale,
});

/** Table that records which migrations ran. */
export const MIGRATION_TABLE = "tessera_migrations";
/** Table that holds Kysely's migration lock row. */
export const MIGRATION_LOCK_TABLE = "tessera_migrations_lock";

/** How long `migrateToLatest` keeps retrying while another process migrates the same SQLite
 * file (PostgreSQL waits on Kysely's advisory lock instead). */
export const DEFAULT_MIGRATION_BUSY_WAIT_MS = 30_000;
/** Pause between those retries. */
const MIGRATION_RETRY_DELAY_MS = 50;

/** Kysely's provider over `MIGRATIONS`. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};

/** A Kysely `Migrator` over Tessera's migrations and tables. */
export function createMigrator<DB>(db: Kysely<DB>): Migrator {
  return new Migrator({
    db: db as unknown as Kysely<unknown>,
    provider: migrationProvider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

/**
 * Runs every pending migration (all in one transaction on both dialects) and returns the names
 * it ran: `[]` when up to date. Concurrent callers are safe: on PostgreSQL they wait on an
 * advisory lock, on SQLite a busy database is retried for up to `busyWaitMs`
 * (default `DEFAULT_MIGRATION_BUSY_WAIT_MS`). Throws `InternalError` (the driver error as
 * `cause`) when a migration fails.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  busyWaitMs: number = DEFAULT_MIGRATION_BUSY_WAIT_MS,
): Promise<string[]> {
  const deadline = Date.now() + busyWaitMs;
  for (;;) {
    const { error, results = [] } = await createMigrator(db).migrateToLatest();
    if (error === undefined) {
      return results.filter((r) => r.status === "Success").map((r) => r.migrationName);
    }
    if (isBusyError(error) && Date.now() < deadline) {
      await sleep(MIGRATION_RETRY_DELAY_MS);
      continue;
    }
    const failed = results.find((r) => r.status === "Error")?.migrationName;
    throw new InternalError(
      failed === undefined ? "Database migration failed" : `Database migration ${failed} failed`,
      { cause: error },
    );
  }
}
