/** A user's passkeys: listing, renaming and removal, by the user or an admin (not of an admin). */
import { NotFoundError } from "../../../core/errors.js";
import {
  deleteWebauthnCredentialKeepingWayIn,
  getWebauthnCredentialById,
  listWebauthnCredentials,
  renameWebauthnCredential,
} from "../../../store/index.js";
import { loadTarget, type ActingUser, type LoadTargetOptions } from "../../access.js";
import { audit } from "../../audit/audit.js";
import { dropRecoveryCodesWithoutSecondFactor } from "../recovery-codes.js";
import { announceSessionChange } from "../../sessions/sessions.js";
import { notifySecurityEvent } from "../../mail/notices.js";
import type { RequestMeta, ServiceContext } from "../../context.js";
import { toPasskeyView, type PasskeyView } from "./shared.js";

const SELF_OR_ADMIN = { access: "self-or-admin" } as const satisfies LoadTargetOptions;

/** The passkeys of a user (self or admin). */
export async function listPasskeys(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
): Promise<PasskeyView[]> {
  const target = await loadTarget(ctx, actor, targetId, SELF_OR_ADMIN);
  return (await listWebauthnCredentials(ctx.db, target.id)).map(toPasskeyView);
}

/** Renames a passkey (self or admin). @throws NotFoundError. */
export async function renamePasskey(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  credentialId: string,
  name: string,
  meta: RequestMeta,
): Promise<PasskeyView> {
  const target = await loadTarget(ctx, actor, targetId, SELF_OR_ADMIN);
  if (!(await renameWebauthnCredential(ctx.db, target.id, credentialId, name))) {
    throw new NotFoundError("No such passkey");
  }
  const credential = await getWebauthnCredentialById(ctx.db, credentialId);
  if (credential === undefined) throw new NotFoundError("No such passkey");
  await audit(ctx, "passkey_renamed", {
    userId: target.id,
    meta,
    detail: { by: actor.id, credential_id: credentialId },
  });
  return toPasskeyView(credential);
}

/**
 * Removes a passkey (self or admin, audited); never the only one of an account without a
 * password (issue 24). @throws NotFoundError, ConflictError `last_passkey`.
 */
export async function removePasskey(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  credentialId: string,
  meta: RequestMeta,
): Promise<void> {
  const target = await loadTarget(ctx, actor, targetId, SELF_OR_ADMIN);
  if (!(await deleteWebauthnCredentialKeepingWayIn(ctx.db, target.id, credentialId)))
    throw new NotFoundError("No such passkey");
  // The middleware's view of the user (second factor owed or not) is cached.
  await announceSessionChange(ctx, { kind: "user", userId: target.id });
  await audit(ctx, "passkey_removed", {
    userId: target.id,
    meta,
    detail: { by: actor.id, credential_id: credentialId },
  });
  await dropRecoveryCodesWithoutSecondFactor(ctx, target.id, meta, actor.id);
  await notifySecurityEvent(
    ctx,
    target,
    "passkey_removed",
    actor.id === target.id ? { meta, sessionId: meta.sessionId } : { by: "administrator" },
  );
}
