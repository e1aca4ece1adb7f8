/**
 * The OpenID Connect provider (issue 21): the provider's artefacts (sessions, interactions,
 * codes, tokens, grants, device codes…) in one table keyed by model and id, the registered
 * clients (secrets as SHA-256 digests, never in clear), the consents each person gave a client,
 * and the short grace in which concurrent refreshes with one refresh token get one successor.
 */
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Creates `oidc_artefacts`, `oidc_clients`, `oidc_consents` and `oidc_refresh_grace`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  await db.schema
    .createTable("oidc_artefacts")
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    // The provider's payload as JSON text.
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("grant_id", "text")
    .addColumn("user_code", "text")
    .addColumn("uid", "text")
    .addColumn("account_id", "text")
    .addColumn("client_id", "text")
    // A provider session: the Tessera session it belongs to (it ends with it).
    .addColumn("tessera_session_id", "text")
    .addColumn("consumed_at", t.bigintType)
    .addColumn("expires_at", t.bigintType)
    .addPrimaryKeyConstraint("oidc_artefacts_pkey", ["model", "id"])
    .execute();
  await db.schema
    .createIndex("oidc_artefacts_grant_id")
    .on("oidc_artefacts")
    .column("grant_id")
    .execute();
  await db.schema
    .createIndex("oidc_artefacts_user_code")
    .on("oidc_artefacts")
    .columns(["model", "user_code"])
    .execute();
  await db.schema
    .createIndex("oidc_artefacts_uid")
    .on("oidc_artefacts")
    .columns(["model", "uid"])
    .execute();
  await db.schema
    .createIndex("oidc_artefacts_tessera_session_id")
    .on("oidc_artefacts")
    .column("tessera_session_id")
    .execute();
  // A person's provider sessions and grants (a sign-out, a consent revoked on the account page).
  await db.schema
    .createIndex("oidc_artefacts_account_id")
    .on("oidc_artefacts")
    .columns(["account_id", "model", "client_id"])
    .execute();
  await db.schema
    .createIndex("oidc_artefacts_expires_at")
    .on("oidc_artefacts")
    .column("expires_at")
    .execute();

  await db.schema
    .createTable("oidc_clients")
    .addColumn("client_id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    // The provider's client metadata as JSON text, without the secret.
    .addColumn("metadata", "text", (c) => c.notNull())
    // base64url SHA-256 of the secret (a 256-bit random secret needs no slow hash); null for a
    // public client.
    .addColumn("secret_hash", "text")
    .addColumn("first_party", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("updated_at", t.bigintType, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("oidc_consents")
    .addColumn("user_id", t.uuidType, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("client_id", "text", (c) =>
      c.notNull().references("oidc_clients.client_id").onDelete("cascade"),
    )
    // Space-separated scopes granted so far.
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("updated_at", t.bigintType, (c) => c.notNull())
    .addPrimaryKeyConstraint("oidc_consents_pkey", ["user_id", "client_id"])
    .execute();

  await db.schema
    .createTable("oidc_refresh_grace")
    // base64url SHA-256 of the presented refresh token.
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("client_id", "text", (c) => c.notNull())
    // The token response, sealed with a key derived from the presented token; null while the
    // first refresh is running.
    .addColumn("sealed_response", "text")
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("expires_at", t.bigintType, (c) => c.notNull())
    .execute();
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("oidc_refresh_grace").execute();
  await db.schema.dropTable("oidc_consents").execute();
  await db.schema.dropTable("oidc_clients").execute();
  await db.schema.dropTable("oidc_artefacts").execute();
}
