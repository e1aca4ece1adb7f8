/**
 * The store: Kysely over an embedded SQLite file or PostgreSQL, its migrations, and one
 * repository module per table. Everything the rest of Tessera uses from `src/store/` is exported
 * here by name, except what has a folder of its own: the ports `rate-limit/` and `challenges/`
 * (each with its index) and the Redis client `redis/`; and the session channel.
 *
 * Time: every time a store function takes is epoch milliseconds, a `number` whose name ends in
 * `Ms` (`nowMs`, `expiresAtMs`, `beforeMs`), as `ctx.clock()` gives it; the store writes it to
 * its `EpochMs` column itself (columns.ts). Records read back carry `Date`s (`createdAt`).
 */
export {
  DEFAULT_SQLITE_PATH,
  DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
  DEFAULT_SQLITE_STATEMENT_CACHE_SIZE,
  DEFAULT_POSTGRES_POOL_MAX,
  DEFAULT_PING_TIMEOUT_MS,
  createDatabase,
  parseDatabaseUrl,
  pingDatabase,
} from "./database.js";
export type { TesseraDatabase, DatabaseOptions, DatabaseLocation } from "./database.js";
export { withTransaction } from "./transactions.js";
export type { DatabaseHandle } from "./transactions.js";
export {
  SQLITE_CAPABILITIES,
  POSTGRES_CAPABILITIES,
  capabilitiesOf,
  isUniqueViolation,
  isForeignKeyViolation,
  isBusyError,
} from "./dialect.js";
export type { DialectName, DialectCapabilities } from "./dialect.js";
export type {
  Database,
  UsersTable,
  WebauthnCredentialsTable,
  AuthChallengesTable,
  AuditEventsTable,
  SigningKeysTable,
  SessionsTable,
  RecoveryCodesTable,
  MailQueueTable,
  EmailTokensTable,
  KnownDevicesTable,
  OidcArtefactsTable,
  OidcClientsTable,
  OidcConsentsTable,
  OidcRefreshGraceTable,
  PersonalAccessTokensTable,
  RolesTable,
  UserRolesTable,
  EpochMs,
  BooleanColumn,
} from "./schema.js";
export {
  MIGRATIONS,
  MIGRATION_TABLE,
  MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_BUSY_WAIT_MS,
  migrationProvider,
  createMigrator,
  migrateToLatest,
} from "./migrations/index.js";
export {
  SchemaTooNewError,
  assertSchemaNotNewer,
  getMigrationStatus,
  pendingMigrations,
} from "./migrations/status.js";
export type { MigrationState } from "./migrations/status.js";
export {
  MAX_EMAIL_LOCAL_PART_LENGTH,
  MAX_IDENTIFIER_KEY_BYTES,
  normalizeIdentifier,
  checkIdentifiers,
} from "./identifiers.js";
export type { CheckedIdentifiers } from "./identifiers.js";
export {
  getUserByNameOrMail,
  getUserById,
  insertUser,
  listUsers,
  countUsers,
  setPasswordHash,
  bumpTokenVersion,
  requirePasswordChange,
  recordLogin,
  setUserLocale,
} from "./users.js";
export {
  setTotpPendingSecret,
  confirmTotpSecret,
  disableTotp,
  markTotpStepUsed,
  type ConfirmTotpSecretOptions,
} from "./user-totp.js";
export { lockUser, unlockUser, holdUnlockedUser, type LockUserOptions } from "./user-locks.js";
export type { User, NewUser, SetPasswordHashOptions } from "./users.js";
export {
  countUserList,
  listPendingInvitationsAmong,
  listUserPage,
  prefixUpperBound,
  userPageQuery,
} from "./user-list.js";
export type { UserListConditions, UserListFilters, UserListKey } from "./user-list.js";
export { setUserEmail, markEmailVerified, hasPendingInvitation } from "./user-email.js";
export {
  MAX_SIGNATURE_COUNTER,
  addWebauthnCredential,
  listWebauthnCredentials,
  getWebauthnCredentialById,
  updateWebauthnCredentialCounter,
  renameWebauthnCredential,
  deleteWebauthnCredential,
  deleteWebauthnCredentialKeepingWayIn,
  deleteUserWebauthnCredentials,
  countWebauthnCredentials,
} from "./webauthn-credentials.js";
export type { WebauthnCredential, NewWebauthnCredential } from "./webauthn-credentials.js";
export {
  replaceRecoveryCodes,
  findUnusedRecoveryCode,
  consumeRecoveryCode,
  getRecoveryCodeSetState,
  deleteRecoveryCodes,
} from "./recovery-codes.js";
export type { NewRecoveryCodeRow, RecoveryCodeSetState } from "./recovery-codes.js";
export { consumeChallenge, deleteExpiredChallenges } from "./challenges/database.js";
export type { ConsumedChallenge } from "./challenges/database.js";
export {
  DEFAULT_AUDIT_EVENT_LIMIT,
  MAX_AUDIT_EVENT_LIMIT,
  appendAuditEvent,
  listAuditEvents,
} from "./audit.js";
export type { AuditEvent, NewAuditEvent, ListAuditEventsOptions } from "./audit.js";
export {
  listSigningKeys,
  addSigningKey,
  resealSigningKey,
  retireSigningKeys,
  deleteRetiredSigningKeys,
} from "./signing-keys.js";
export type { StoredSigningKey } from "./signing-keys.js";
export {
  SESSION_TOUCH_INTERVAL_MS,
  DEFAULT_SESSION_SWEEP_BATCH,
  createSession,
  getSession,
  touchSession,
  listLiveSessions,
  countLiveSessions,
  endSessionRecord,
  endUserSessionRecords,
  deleteOldSessions,
  recordReauthentication,
} from "./sessions.js";
export type { Session, NewSession, EndSessionsOptions, LiveSessionsPage } from "./sessions.js";
export {
  PERSONAL_TOKEN_TOUCH_INTERVAL_MS,
  insertPersonalAccessToken,
  findPersonalAccessTokenByHash,
  listLivePersonalAccessTokens,
  countLivePersonalAccessTokens,
  revokePersonalAccessToken,
  revokeUserPersonalAccessTokens,
  touchPersonalAccessToken,
} from "./personal-access-tokens.js";
export type { PersonalAccessToken, NewPersonalAccessToken } from "./personal-access-tokens.js";
export { findTakenImportKeys, insertImportedUser } from "./user-import.js";
export type { ImportKeys, ImportedUserRow } from "./user-import.js";
export { canonicalId, newId } from "./ids.js";
export {
  verifyAuditChain,
  writeAuditCheckpoint,
  deleteAuditEventsBefore,
  readAuditEventsSince,
} from "./audit-chain.js";
export type { AuditChainReport, AuditChainBreak, ChainedAuditEvent } from "./audit-chain.js";
export { backupSqliteFile, isSqliteDatabaseEmpty, restoreSqliteFile } from "./backup.js";
export {
  insertMail,
  claimDueMail,
  markMailSent,
  markMailFailed,
  getQueuedMail,
  countQueuedMail,
  deleteOldMail,
} from "./mail-queue.js";
export type { MailStatus, NewMail, QueuedMail } from "./mail-queue.js";
export {
  insertEmailToken,
  findLiveEmailToken,
  listLiveEmailTokens,
  consumeEmailToken,
  voidEmailTokenRecords,
  deleteExpiredEmailTokens,
} from "./email-tokens.js";
export type { EmailTokenPurpose, NewEmailToken, EmailTokenRecord } from "./email-tokens.js";
export { recordDeviceSeen, deleteStaleDevices } from "./known-devices.js";
export {
  addOidcConsentScopes,
  deleteOidcConsent,
  getOidcConsentScopes,
  listOidcConsents,
  type OidcConsent,
} from "./oidc-consents.js";
export {
  DEFAULT_OIDC_SWEEP_BATCH,
  HASHED_OIDC_MODELS,
  OIDC_REDIS_MODELS,
  tokenDigestId,
  createOidcAdapter,
  destroyOidcArtefact,
  findOidcSessionsOfAccount,
  findOidcSessionsOfTesseraSession,
  sweepOidcArtefacts,
} from "./oidc-artefacts.js";
export type {
  OidcAdapter,
  OidcAdapterClass,
  OidcAdapterOptions,
  OidcPayload,
  OidcSessionArtefact,
} from "./oidc-artefacts.js";
export { DEFAULT_REDIS_OIDC_KEY_PREFIX } from "./oidc-artefacts-redis.js";
export {
  deleteOidcArtefactsOfClient,
  deleteOidcGrantsOfAccountClient,
  dropOidcSessionAuthorizations,
  findOidcGrantsOfAccount,
  type DroppedOidcAuthorization,
  type OidcGrantOfAccount,
} from "./oidc-grants.js";
export {
  insertOidcClient,
  findOidcClient,
  listOidcClientRecords,
  deleteOidcClientRecord,
  setOidcClientSecretHash,
  setOidcClientMetadata,
} from "./oidc-clients.js";
export type { NewOidcClient, OidcClientMetadata, OidcClientRecord } from "./oidc-clients.js";
export {
  claimRefreshGrace,
  completeRefreshGrace,
  dropRefreshGrace,
  getRefreshGrace,
  sweepRefreshGrace,
  type RefreshGrace,
} from "./oidc-refresh-grace.js";
export { setUserAdmin, deleteUserRow, unsetUserAdmin } from "./user-admins.js";
export {
  ADMIN_ROLE,
  listRoles,
  getRole,
  insertRole,
  updateRole,
  deleteRoleRow,
  rolesOfUser,
  replaceUserRoles,
  countRoleHolders,
} from "./roles.js";
export type { Role, HeldRole } from "./roles.js";
export {
  deleteUpstreamProvider,
  insertUpstreamProvider,
  listUpstreamProviders,
  type StoredUpstreamProvider,
} from "./upstream-providers.js";
export {
  deleteLinkedIdentities,
  findAccountIdsByEmail,
  findLinkedIdentity,
  insertLinkedIdentity,
  listLinkedIdentities,
  touchLinkedIdentity,
  type LinkedIdentity,
} from "./linked-identities.js";
