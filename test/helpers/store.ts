/**
 * One behaviour test body looped over every dialect (STYLE principle 14):
 * `describeStore("users", (ctx) => { it(…, () => ctx.db…) })` runs the body once per entry of
 * `TEST_DIALECTS` as "users on sqlite", "users on postgres", each over its own fresh, migrated
 * database (opened before the block, emptied before each test, deleted after the block).
 */
import type { Kysely } from "kysely";
import { afterAll, beforeAll, beforeEach, describe } from "vitest";
import type { Database } from "../../src/store/index.js";
import {
  TEST_DIALECTS,
  clearTestDatabase,
  openTestDatabase,
  type TestDatabase,
  type TestDialect,
} from "./database.js";

/** What a `describeStore` body sees; `database` and `db` are readable inside tests and hooks. */
export interface StoreContext {
  readonly dialect: TestDialect;
  /** This block's database (throws before it is opened, or with `database: false`). */
  readonly database: TestDatabase;
  /** Shorthand for `database.db`. */
  readonly db: Kysely<Database>;
}

export interface DescribeStoreOptions {
  /**
   * Open one database for the block (default true). With false the body gets only the
   * dialect and opens what it needs itself (`openTestDatabase(ctx.dialect)`, `startTestServer`).
   */
  readonly database?: boolean;
  /** Delete every row before each test (default true; only with a database). */
  readonly clearBeforeEach?: boolean;
}

/** `describe("<name> on <dialect>")` for every test dialect, with the database set up. */
export function describeStore(name: string, body: (ctx: StoreContext) => void): void;
export function describeStore(
  name: string,
  options: DescribeStoreOptions,
  body: (ctx: StoreContext) => void,
): void;
export function describeStore(
  name: string,
  optionsOrBody: DescribeStoreOptions | ((ctx: StoreContext) => void),
  maybeBody?: (ctx: StoreContext) => void,
): void {
  const [options, body] =
    typeof optionsOrBody === "function" ? [{}, optionsOrBody] : [optionsOrBody, maybeBody!];
  const { database: withDatabase = true, clearBeforeEach = true } = options;
  for (const dialect of TEST_DIALECTS) {
    describe(`${name} on ${dialect}`, () => {
      let database: TestDatabase | undefined;
      const ctx: StoreContext = {
        dialect,
        get database() {
          if (database === undefined) {
            throw new Error(
              withDatabase
                ? "the test database is opened in beforeAll: read ctx.database inside tests and hooks"
                : "describeStore(…, { database: false }) opens no database",
            );
          }
          return database;
        },
        get db() {
          return ctx.database.db;
        },
      };
      if (withDatabase) {
        beforeAll(async () => {
          database = await openTestDatabase(dialect);
        });
        afterAll(async () => {
          await database?.cleanup();
        });
        if (clearBeforeEach) {
          beforeEach(async () => {
            await clearTestDatabase(ctx.db);
          });
        }
      }
      body(ctx);
    });
  }
}
