/**
 * The registered OpenID Connect clients (issue 21): adding one (`tessera clients add`), listing,
 * removing, rotating a secret, and what the provider reads of one.
 *
 * A client's id is 128 random bits and its secret 256, both base64url. The secret is shown
 * once, to whoever registered the client; only its base64url SHA-256 is stored (a random
 * 256-bit secret needs no slow hash). The provider is handed that digest as `client_secret`
 * and compares digests (`oidcClientSecretMatches`), so the secret itself is nowhere at rest.
 * Every add, removal and rotation is an audit event, which never holds the secret.
 */
import { randomBytes } from "node:crypto";
import type { ClientMetadata } from "oidc-provider";
import type { ApplicationView } from "../../contract/index.js";
import { ClientError, NotFoundError } from "../../core/errors.js";
import { secretDigestBase64Url, secretMatchesDigest } from "../../core/secret-digest.js";
import {
  deleteOidcArtefactsOfClient,
  deleteOidcClientRecord,
  findOidcClient,
  insertOidcClient,
  listOidcClientRecords,
  setOidcClientSecretHash,
  withTransaction,
  type DatabaseHandle,
  type OidcClientRecord,
} from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import {
  checkOidcClient,
  FIRST_PARTY,
  oidcClientMetadata,
  type OidcClientInput,
} from "./client-metadata.js";

/** Random bytes of a client id: 128 bits, 22 base64url characters (`newOidcClientId`). */
export const OIDC_CLIENT_ID_BYTES = 16;
/** Random bytes of a client secret: 256 bits, 43 base64url characters. */
export const OIDC_CLIENT_SECRET_BYTES = 32;

/** Who registers or changes a client: the operator (the command line) unless an admin's id. */
export interface OidcClientActor {
  /** The acting admin's user id; absent: the operator. */
  by?: string;
  meta?: RequestMeta;
}

/** A new client's credentials; the secret (absent for a public client) is shown this once. */
export interface AddedOidcClient {
  clientId: string;
  clientSecret?: string;
}

/** A client as the services show it: never its secret nor the secret's digest. */
export interface OidcClientView {
  clientId: string;
  name: string;
  public: boolean;
  firstParty: boolean;
  applicationType: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  grants: string[];
  createdAt: Date;
  updatedAt: Date;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

function toView(record: OidcClientRecord): OidcClientView {
  const { metadata } = record;
  return {
    clientId: record.clientId,
    name: record.name,
    public: record.secretHash === null,
    firstParty: record.firstParty,
    applicationType:
      typeof metadata.application_type === "string" ? metadata.application_type : "web",
    redirectUris: strings(metadata.redirect_uris),
    postLogoutRedirectUris: strings(metadata.post_logout_redirect_uris),
    backchannelLogoutUri:
      typeof metadata.backchannel_logout_uri === "string" ? metadata.backchannel_logout_uri : null,
    grants: strings(metadata.grant_types),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function auditInput(actor: OidcClientActor, detail: Record<string, unknown>) {
  return { userId: null, meta: actor.meta, detail: { by: actor.by ?? "operator", ...detail } };
}

/**
 * 128 random bits, base64url, never starting with "-": an id is typed as a command's argument
 * (`tessera clients remove ID`), where a leading "-" reads as an option. One id in 64 is drawn
 * again, which costs 0.02 bits of the 128.
 */
export function newOidcClientId(): string {
  for (;;) {
    const id = randomBytes(OIDC_CLIENT_ID_BYTES).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/** A new client secret: 256 random bits, base64url. */
export function newOidcClientSecret(): string {
  return randomBytes(OIDC_CLIENT_SECRET_BYTES).toString("base64url");
}

/**
 * Registers a client; returns its id and, unless it is public, its secret (shown once: only
 * the digest is kept). Audited as `oidc_client_added`.
 * @throws ClientError `validation_error` (`extra.field`: the metadata field at fault).
 */
export async function addOidcClient(
  ctx: ServiceContext,
  input: OidcClientInput,
  actor: OidcClientActor = {},
): Promise<AddedOidcClient> {
  const checked = checkOidcClient(input);
  const clientId = newOidcClientId();
  const clientSecret = checked.public ? undefined : newOidcClientSecret();
  await withTransaction(ctx.db, async (db) => {
    await insertOidcClient(db, {
      clientId,
      name: checked.name,
      metadata: oidcClientMetadata(clientId, checked),
      secretHash: clientSecret === undefined ? null : secretDigestBase64Url(clientSecret),
      firstParty: checked.firstParty,
      nowMs: ctx.clock(),
    });
    await audit(
      { ...ctx, db },
      "oidc_client_added",
      auditInput(actor, {
        client_id: clientId,
        name: checked.name,
        public: checked.public,
        first_party: checked.firstParty,
        grant_types: checked.grants,
        redirect_uris: checked.metadata.redirect_uris,
      }),
    );
  });
  return clientSecret === undefined ? { clientId } : { clientId, clientSecret };
}

/** Every registered client, oldest first. */
export async function listOidcClients(ctx: ServiceContext): Promise<OidcClientView[]> {
  return (await listOidcClientRecords(ctx.db)).map(toView);
}

/** The client with this id as the services show it, or undefined. */
export async function findOidcClientView(
  ctx: ServiceContext,
  clientId: string,
): Promise<OidcClientView | undefined> {
  const record = await findOidcClient(ctx.db, clientId);
  return record === undefined ? undefined : toView(record);
}

/**
 * Removes a client; the consents people gave it go with it (foreign key, cascade), and so do
 * its grants and every token and code issued to it in the database: they stop working at once
 * (a code in Redis dies with its grant). Audited as `oidc_client_removed`. Returns the removed
 * client.
 * @throws NotFoundError for an unknown id.
 */
export async function removeOidcClient(
  ctx: ServiceContext,
  clientId: string,
  actor: OidcClientActor = {},
): Promise<OidcClientView> {
  return withTransaction(ctx.db, async (db) => {
    const removed = await deleteOidcClientRecord(db, clientId);
    if (removed === undefined) throw new NotFoundError("No such client");
    await deleteOidcArtefactsOfClient(db, removed.clientId);
    await audit(
      { ...ctx, db },
      "oidc_client_removed",
      auditInput(actor, { client_id: removed.clientId, name: removed.name }),
    );
    return toView(removed);
  });
}

/**
 * Gives a confidential client a new secret, shown once; the old one stops working at once.
 * Audited as `oidc_client_secret_rotated`.
 * @throws NotFoundError for an unknown id; ClientError `validation_error` for a public client.
 */
export async function rotateOidcClientSecret(
  ctx: ServiceContext,
  clientId: string,
  actor: OidcClientActor = {},
): Promise<AddedOidcClient & { clientSecret: string }> {
  return withTransaction(ctx.db, async (db) => {
    const client = await findOidcClient(db, clientId);
    if (client === undefined) throw new NotFoundError("No such client");
    if (client.secretHash === null) {
      throw new ClientError("A public client has no secret to rotate", {
        code: "validation_error",
        extra: { field: "client_id" },
      });
    }
    const clientSecret = newOidcClientSecret();
    const updated = await setOidcClientSecretHash(
      db,
      client.clientId,
      secretDigestBase64Url(clientSecret),
      ctx.clock(),
    );
    if (updated === undefined) throw new NotFoundError("No such client");
    await audit(
      { ...ctx, db },
      "oidc_client_secret_rotated",
      auditInput(actor, { client_id: client.clientId }),
    );
    return { clientId: client.clientId, clientSecret };
  });
}

/**
 * The provider's metadata of a client (its adapter's `find`), or undefined for an unknown id.
 * For a confidential client `client_secret` is the stored digest, not the secret: the provider
 * layer compares a presented secret's digest with it (`oidcClientSecretMatches` in place of
 * the provider's own comparison), and no client uses its secret as a key (no `client_secret_jwt`,
 * no HS* algorithm: Tessera never registers one).
 */
export async function findOidcClientMetadata(
  db: DatabaseHandle,
  clientId: string,
): Promise<ClientMetadata | undefined> {
  const client = await findOidcClient(db, clientId);
  if (client === undefined) return undefined;
  const metadata = {
    ...client.metadata,
    client_id: client.clientId,
    // Tessera's own flag (the provider's `extraClientMetadata`): no consent page.
    [FIRST_PARTY]: client.firstParty,
  } as ClientMetadata;
  return client.secretHash === null ? metadata : { ...metadata, client_secret: client.secretHash };
}

/**
 * Whether `presentedSecret` is the secret of the client whose stored digest is `storedDigest`
 * (the `client_secret` of `findOidcClientMetadata`), in constant time. False for a public
 * client (no digest) and for anything that is not a string.
 */
export function oidcClientSecretMatches(storedDigest: unknown, presentedSecret: unknown): boolean {
  return secretMatchesDigest(storedDigest, presentedSecret);
}

/** The metadata flag of a client made by dynamic registration (RFC 7591), not by an operator. */
export const DYNAMICALLY_REGISTERED = "tessera_dynamic";

/**
 * Whether a URL the provider is about to call is the back-channel logout URI or `jwks_uri` of
 * a client an operator registered (`tessera clients add`, the admin page). Those may be on a
 * private network or the loopback, as self-hosted apps often are; oidc-provider's protection
 * against server-side request forgery stays on for every other call (a dynamically registered
 * client's, whoever registered it).
 */
export async function isOperatorClientUrl(db: DatabaseHandle, url: string): Promise<boolean> {
  for (const record of await listOidcClientRecords(db)) {
    const metadata = record.metadata as Record<string, unknown>;
    if (metadata[DYNAMICALLY_REGISTERED] === true) continue;
    if (metadata.backchannel_logout_uri === url || metadata.jwks_uri === url) return true;
  }
  return false;
}

/** A client as the API and `tessera clients list --json` show it (never a secret). */
export function applicationViewOf(client: OidcClientView): ApplicationView {
  return {
    client_id: client.clientId,
    name: client.name,
    public: client.public,
    first_party: client.firstParty,
    application_type: client.applicationType,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    backchannel_logout_uri: client.backchannelLogoutUri,
    grant_types: client.grants,
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
  };
}
