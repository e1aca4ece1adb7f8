/**
 * Making, listing and revoking personal access tokens (issue 23 item 1). Only the user makes
 * their own tokens (with a recent authentication: the route policy); the user or an admin (for
 * a non-admin) lists and revokes them. The secret is returned once, by `createPersonalToken`,
 * and stored only as its SHA-256.
 */
import type { CreatePersonalTokenRequest } from "../../contract/index.js";
import { DEFAULT_PERSONAL_TOKEN_DAYS, MAX_PERSONAL_TOKENS_PER_USER } from "../../contract/index.js";
import { DAY_MS } from "../../core/clock.js";
import { ClientError, NotFoundError } from "../../core/errors.js";
import { generatePersonalToken, personalTokenDigest } from "../../core/personal-token.js";
import {
  insertPersonalAccessToken,
  listLivePersonalAccessTokens,
  revokePersonalAccessToken,
  withTransaction,
  type PersonalAccessToken,
} from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { scopesOfUser } from "../access-scopes.js";
import { permissionsOfUser } from "../grants.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { announceSessionChange } from "../sessions/sessions.js";

/** A token's record as the services hand it out: never the secret. */
export type { PersonalAccessToken };

/** A new token: its record and the secret, shown this once. */
export interface CreatedPersonalToken {
  record: PersonalAccessToken;
  token: string;
}

/**
 * Makes a token for the actor themself (never for someone else, admins included). Every scope
 * must be one the user holds now (400 `invalid_scope` names the others); the lifetime is 1 day
 * to `TESSERA_ACCESS_TOKEN_MAX_DAYS` (400 `validation_error`); at most
 * MAX_PERSONAL_TOKENS_PER_USER live tokens (409). Audited.
 * @throws PermissionDeniedError, ClientError, ConflictError.
 */
export async function createPersonalToken(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  request: CreatePersonalTokenRequest,
  meta: RequestMeta,
): Promise<CreatedPersonalToken> {
  const user = await loadTarget(ctx, actor, targetId, {
    access: "self",
    deniedMessage: "Only the user may make their own access tokens",
  });
  const held = scopesOfUser(user, await permissionsOfUser(ctx, user.id));
  const missing = request.scopes.filter((scope) => !held.has(scope));
  if (missing.length > 0) {
    throw new ClientError("You do not hold these scopes", {
      code: "invalid_scope",
      extra: { scopes: missing },
    });
  }
  const days = request.expires_in_days ?? DEFAULT_PERSONAL_TOKEN_DAYS;
  const maxDays = ctx.settings.accessTokenMaxDays;
  if (days > maxDays) {
    throw new ClientError(`A token lives at most ${maxDays} days`, {
      code: "validation_error",
      extra: { field: "expires_in_days", max: maxDays },
    });
  }
  const nowMs = ctx.clock();
  const token = generatePersonalToken();
  const record = await withTransaction(ctx.db, async (db) => {
    const created = await insertPersonalAccessToken(db, {
      userId: user.id,
      name: request.name,
      tokenHash: personalTokenDigest(token),
      scopes: request.scopes,
      nowMs,
      expiresAtMs: nowMs + days * DAY_MS,
      maxLive: MAX_PERSONAL_TOKENS_PER_USER,
    });
    await audit({ ...ctx, db }, "personal_token_created", {
      userId: user.id,
      meta,
      detail: { by: actor.id, token: created.id, name: created.name, scopes: created.scopes },
    });
    return created;
  });
  return { record, token };
}

/**
 * The user's live tokens, newest first (self, or an admin for a non-admin); never a secret.
 * @throws PermissionDeniedError, NotFoundError.
 */
export async function listPersonalTokens(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
): Promise<PersonalAccessToken[]> {
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  return listLivePersonalAccessTokens(ctx.db, target.id, ctx.clock(), MAX_PERSONAL_TOKENS_PER_USER);
}

/**
 * Revokes one token (self, or an admin for a non-admin): refused everywhere within a second
 * (the session channel). 404 for an id that is not a live token of that user. Audited.
 * @throws PermissionDeniedError, NotFoundError.
 */
export async function revokePersonalToken(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  tokenId: string,
  meta: RequestMeta,
): Promise<void> {
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  const reason = actor.id === target.id ? "revoked_by_user" : "revoked_by_admin";
  const revoked = await revokePersonalAccessToken(ctx.db, target.id, tokenId, {
    nowMs: ctx.clock(),
    reason,
  });
  if (!revoked) throw new NotFoundError("No such access token");
  await announceSessionChange(ctx, { kind: "token", tokenId });
  await audit(ctx, "personal_token_revoked", {
    userId: target.id,
    meta,
    detail: { by: actor.id, token: tokenId, reason },
  });
}
