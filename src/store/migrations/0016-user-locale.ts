/**
 * The language a person chose (issue 24 item 3): a BCP 47 tag of a shipped catalogue
 * (`src/core/i18n.ts` `LOCALES`), used for their pages and mails. Additive: null (every
 * existing row) means "no choice": the browser's Accept-Language, else TESSERA_DEFAULT_LOCALE.
 */
import type { Kysely } from "kysely";

/** Adds `locale` to `users`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("users").addColumn("locale", "text").execute();
}

/** Drops the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("users").dropColumn("locale").execute();
}
