import { NO_MIGRATIONS, sql, type Kysely } from "kysely";
import { expect, it } from "vitest";
import {
  MIGRATIONS,
  MIGRATION_TABLE,
  createMigrator,
  migrateToLatest,
  type Database,
} from "../../src/store/index.js";
import { openTestDatabase, type TestDialect } from "../helpers/database.js";
import { describeStore } from "../helpers/store.js";

/** Every table, column, index and constraint, in a stable order. */
const SCHEMA_QUERIES: Record<TestDialect, string> = {
  sqlite: `select type || ' ' || name || ' ' || coalesce(sql, '') as line from sqlite_master
           where name not like 'sqlite_%' order by type, name`,
  postgres: `select line from (
      select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
             || ' ' || coalesce(column_default, '') as line
        from information_schema.columns where table_schema = 'public'
      union all
      select 'index ' || indexname || ' ' || indexdef from pg_indexes where schemaname = 'public'
      union all
      select 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint
        where connamespace = 'public'::regnamespace
    ) s order by line`,
};

async function schemaOf(db: Kysely<Database>, dialect: TestDialect): Promise<string[]> {
  const { rows } = await sql<{ line: string }>`${sql.raw(SCHEMA_QUERIES[dialect])}`.execute(db);
  return rows.map((r) => r.line);
}

describeStore("migrations", { clearBeforeEach: false }, (database) => {
  const { dialect } = database;

  it("changes nothing when run a second time", async () => {
    const before = await schemaOf(database.db, dialect);
    expect(before.length).toBeGreaterThan(10);
    expect(await migrateToLatest(database.db)).toEqual([]);
    expect(await schemaOf(database.db, dialect)).toEqual(before);
    const ran = await database.db
      .selectFrom(sql.table(MIGRATION_TABLE).as("m"))
      .select(sql<string>`name`.as("name"))
      .execute();
    expect(ran.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
  });

  it("undoes every migration and redoes them to the same schema", async () => {
    const before = await schemaOf(database.db, dialect);
    const down = await createMigrator(database.db).migrateTo(NO_MIGRATIONS);
    expect(down.error).toBeUndefined();
    const empty = await schemaOf(database.db, dialect);
    expect(empty.some((line) => line.includes("users"))).toBe(false);
    expect(await migrateToLatest(database.db)).toEqual(Object.keys(MIGRATIONS));
    expect(await schemaOf(database.db, dialect)).toEqual(before);
  });

  it("creates the same tables and columns as the other dialect", async () => {
    const columns = await sql<{ table_name: string; column_name: string }>`${sql.raw(
      dialect === "sqlite"
        ? `select m.name as table_name, p.name as column_name
             from sqlite_master m join pragma_table_info(m.name) p
            where m.type = 'table' and m.name not like 'sqlite_%' and m.name not like 'tessera_%'`
        : `select table_name, column_name from information_schema.columns
            where table_schema = 'public' and table_name not like 'tessera_%'`,
    )}`.execute(database.db);
    const names = columns.rows.map((r) => `${r.table_name}.${r.column_name}`).sort();
    expect(names).toEqual(
      [
        "audit_chain_head.hash",
        "audit_chain_head.id",
        "audit_chain_head.seq",
        "audit_checkpoints.at",
        "audit_checkpoints.hash",
        "audit_checkpoints.seq",
        "audit_events.actor_id",
        "audit_events.hash",
        "audit_events.prev_hash",
        "audit_events.seq",
        "audit_events.at",
        "audit_events.detail",
        "audit_events.event",
        "audit_events.id",
        "audit_events.ip",
        "audit_events.user_agent",
        "audit_events.user_id",
        "auth_challenges.challenge",
        "auth_challenges.expires_at",
        "auth_challenges.id",
        "auth_challenges.purpose",
        "auth_challenges.user_id",
        "email_tokens.created_at",
        "email_tokens.data",
        "email_tokens.expires_at",
        "email_tokens.id",
        "email_tokens.purpose",
        "email_tokens.token_hash",
        "email_tokens.used_at",
        "email_tokens.user_id",
        "known_devices.device_id",
        "known_devices.first_seen_at",
        "known_devices.last_seen_at",
        "known_devices.user_id",
        "linked_identities.created_at",
        "linked_identities.email_at_link",
        "linked_identities.last_used_at",
        "linked_identities.provider_id",
        "linked_identities.subject",
        "linked_identities.user_id",
        "mail_queue.attempts",
        "mail_queue.claimed_by",
        "mail_queue.claimed_until",
        "mail_queue.created_at",
        "mail_queue.html",
        "mail_queue.id",
        "mail_queue.last_error",
        "mail_queue.next_attempt_at",
        "mail_queue.recipient",
        "mail_queue.sent_at",
        "mail_queue.status",
        "mail_queue.subject",
        "mail_queue.text",
        "oidc_artefacts.account_id",
        "oidc_artefacts.client_id",
        "oidc_artefacts.consumed_at",
        "oidc_artefacts.expires_at",
        "oidc_artefacts.grant_id",
        "oidc_artefacts.id",
        "oidc_artefacts.model",
        "oidc_artefacts.payload",
        "oidc_artefacts.tessera_session_id",
        "oidc_artefacts.uid",
        "oidc_artefacts.user_code",
        "oidc_clients.client_id",
        "oidc_clients.created_at",
        "oidc_clients.first_party",
        "oidc_clients.metadata",
        "oidc_clients.name",
        "oidc_clients.secret_hash",
        "oidc_clients.updated_at",
        "oidc_consents.client_id",
        "oidc_consents.created_at",
        "oidc_consents.scopes",
        "oidc_consents.updated_at",
        "oidc_consents.user_id",
        "oidc_refresh_grace.client_id",
        "oidc_refresh_grace.created_at",
        "oidc_refresh_grace.expires_at",
        "oidc_refresh_grace.sealed_response",
        "oidc_refresh_grace.token_hash",
        "personal_access_tokens.created_at",
        "personal_access_tokens.expires_at",
        "personal_access_tokens.id",
        "personal_access_tokens.last_used_address",
        "personal_access_tokens.last_used_at",
        "personal_access_tokens.name",
        "personal_access_tokens.revoked_at",
        "personal_access_tokens.revoked_reason",
        "personal_access_tokens.scopes",
        "personal_access_tokens.token_hash",
        "personal_access_tokens.user_id",
        "sessions.amr",
        "sessions.auth_time",
        "sessions.created_at",
        "sessions.device",
        "sessions.end_reason",
        "sessions.ended_at",
        "sessions.expires_at",
        "sessions.id",
        "sessions.idle_expires_at",
        "sessions.ip",
        "sessions.last_seen_at",
        "sessions.user_agent",
        "sessions.user_id",
        "rate_limit_counters.expires_at_ms",
        "rate_limit_counters.failures",
        "rate_limit_counters.key",
        "rate_limit_counters.locked_until_ms",
        "recovery_codes.code_hash",
        "recovery_codes.created_at",
        "recovery_codes.lookup",
        "recovery_codes.used_at",
        "recovery_codes.user_id",
        "roles.built_in",
        "roles.created_at",
        "roles.description",
        "roles.name",
        "roles.permissions",
        "roles.updated_at",
        "signing_keys.algorithm",
        "signing_keys.created_at",
        "signing_keys.kid",
        "signing_keys.private_key",
        "signing_keys.public_jwk",
        "signing_keys.retired_at",
        "user_roles.role_name",
        "user_roles.user_id",
        "upstream_providers.client_id",
        "upstream_providers.client_secret",
        "upstream_providers.create_accounts",
        "upstream_providers.created_at",
        "upstream_providers.id",
        "upstream_providers.issuer",
        "upstream_providers.kind",
        "upstream_providers.link_policy",
        "upstream_providers.name",
        "upstream_providers.scopes",
        "upstream_providers.trust_upstream_mfa",
        "users.created_at",
        "users.email",
        "users.email_key",
        "users.email_verified_at",
        "users.id",
        "users.is_admin",
        "users.last_login_at",
        "users.locale",
        "users.lock_reason",
        "users.locked_at",
        "users.locked_until",
        "users.must_change_password",
        "users.name",
        "users.name_key",
        "users.password_hash",
        "users.password_policy_checked",
        "users.recovery_codes_left",
        "users.requires_verified_email",
        "users.token_version",
        "users.totp_last_step",
        "users.totp_pending_secret",
        "users.totp_secret",
        "users.updated_at",
        "webauthn_credentials.backed_up",
        "webauthn_credentials.counter",
        "webauthn_credentials.created_at",
        "webauthn_credentials.device_type",
        "webauthn_credentials.id",
        "webauthn_credentials.last_used_at",
        "webauthn_credentials.name",
        "webauthn_credentials.public_key",
        "webauthn_credentials.transports",
        "webauthn_credentials.user_id",
      ].sort(),
    );
  });
});

describeStore("migrating two connections at once", { database: false }, ({ dialect }) => {
  it("applies each migration once", async () => {
    const database = await openTestDatabase(dialect);
    try {
      await createMigrator(database.db).migrateTo(NO_MIGRATIONS);
      const { createDatabase } = await import("../../src/store/index.js");
      const second = await createDatabase(database.url);
      try {
        const results = await Promise.allSettled([
          migrateToLatest(database.db),
          migrateToLatest(second.db),
        ]);
        expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
        const applied = results.flatMap((r) => (r.status === "fulfilled" ? r.value : []));
        expect(applied).toEqual(Object.keys(MIGRATIONS));
        expect(await migrateToLatest(second.db)).toEqual([]);
      } finally {
        await second.destroy();
      }
    } finally {
      await database.cleanup();
    }
  });
});
