/**
 * Sign-in through upstream providers (issue 22): the providers an operator added (any OpenID
 * Connect issuer, or GitHub's OAuth 2.0), their client secret sealed with the key-encryption
 * key; the identities linked to local accounts, keyed by (provider, upstream `sub`), never by
 * email; and the accounts created by such a sign-in, which have no password until one is set.
 */
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Creates `upstream_providers` and `linked_identities`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  await db.schema
    .createTable("upstream_providers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    // "oidc" (discovery) or "github" (OAuth 2.0 with its user and emails API).
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("client_id", "text", (c) => c.notNull())
    // AES-256-GCM under the key-encryption key, the provider's id as associated data.
    .addColumn("client_secret", "text", (c) => c.notNull())
    // Space-separated scopes asked for.
    .addColumn("scopes", "text", (c) => c.notNull())
    // "verified-email", "sign-in-first" or "never".
    .addColumn("link_policy", "text", (c) => c.notNull())
    .addColumn("create_accounts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("trust_upstream_mfa", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("linked_identities")
    .addColumn("provider_id", "text", (c) =>
      c.notNull().references("upstream_providers.id").onDelete("cascade"),
    )
    // The upstream's `sub` (GitHub: the numeric user id).
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("user_id", t.uuidType, (c) => c.notNull().references("users.id").onDelete("cascade"))
    // The upstream's address when the link was made (shown to the person; never a key).
    .addColumn("email_at_link", "text")
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("last_used_at", t.bigintType)
    .addPrimaryKeyConstraint("linked_identities_pkey", ["provider_id", "subject"])
    .execute();
  await db.schema
    .createIndex("linked_identities_user_id")
    .on("linked_identities")
    .column("user_id")
    .execute();
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("linked_identities").execute();
  await db.schema.dropTable("upstream_providers").execute();
}
