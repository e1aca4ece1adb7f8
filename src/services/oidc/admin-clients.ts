/**
 * The admin page's "Applications" (issue 21 item 6): what `tessera clients` does, for a
 * signed-in admin, audited with the admin's id and request. Anyone else gets 403
 * `permission_denied`, whether or not the client exists.
 */
import { PermissionDeniedError } from "../../core/errors.js";
import type { Actor, RequestMeta, ServiceContext } from "../context.js";
import type { OidcClientInput } from "./client-metadata.js";
import {
  addOidcClient,
  findOidcClientView,
  listOidcClients,
  removeOidcClient,
  rotateOidcClientSecret,
  type OidcClientView,
} from "./clients.js";

/** @throws PermissionDeniedError unless the actor is an admin. */
function assertAdmin(actor: Actor): void {
  if (!actor.isAdmin) throw new PermissionDeniedError("Only an admin may manage applications");
}

/** Every registered client, oldest first (admin only). */
export async function listOidcClientsAsAdmin(
  ctx: ServiceContext,
  actor: Actor,
): Promise<OidcClientView[]> {
  assertAdmin(actor);
  return listOidcClients(ctx);
}

/**
 * Registers a client (admin only): the client as listed and, unless it is public, its secret,
 * shown this once.
 * @throws PermissionDeniedError; ClientError `validation_error` (`extra.field`).
 */
export async function addOidcClientAsAdmin(
  ctx: ServiceContext,
  actor: Actor,
  input: OidcClientInput,
  meta?: RequestMeta,
): Promise<{ client: OidcClientView; clientSecret?: string }> {
  assertAdmin(actor);
  const added = await addOidcClient(ctx, input, { by: actor.id, ...(meta ? { meta } : {}) });
  const client = await findOidcClientView(ctx, added.clientId);
  // Just added: only a concurrent removal makes it vanish, which reads as an internal error.
  if (client === undefined) throw new Error("The client just added is gone");
  return added.clientSecret === undefined
    ? { client }
    : { client, clientSecret: added.clientSecret };
}

/**
 * Removes a client, its consents, grants and tokens (admin only).
 * @throws PermissionDeniedError; NotFoundError for an unknown id.
 */
export async function removeOidcClientAsAdmin(
  ctx: ServiceContext,
  actor: Actor,
  clientId: string,
  meta?: RequestMeta,
): Promise<OidcClientView> {
  assertAdmin(actor);
  return removeOidcClient(ctx, clientId, { by: actor.id, ...(meta ? { meta } : {}) });
}

/**
 * Gives a confidential client a new secret, shown once (admin only).
 * @throws PermissionDeniedError; NotFoundError; ClientError `validation_error` for a public client.
 */
export async function rotateOidcClientSecretAsAdmin(
  ctx: ServiceContext,
  actor: Actor,
  clientId: string,
  meta?: RequestMeta,
): Promise<{ clientId: string; clientSecret: string }> {
  assertAdmin(actor);
  return rotateOidcClientSecret(ctx, clientId, { by: actor.id, ...(meta ? { meta } : {}) });
}
