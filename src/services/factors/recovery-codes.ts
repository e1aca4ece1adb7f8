/**
 * Recovery codes for the second factor (issue 11 item 2). The user makes a set of ten (which
 * ends any previous set) and sees it once; at sign-in one code stands in for the TOTP code or
 * the passkey, once. Each code is a public index and an 80-bit secret (core/recovery-codes.ts);
 * the secret is stored as an Argon2id hash with the configured password parameters, and a
 * sign-in verifies at most one hash: the one row its index picks (or a dummy hash, so a used
 * or unknown index costs the same).
 *
 * Codes stand in for a second factor only while the user has one (TOTP or a passkey): making
 * a set needs one (`no_second_factor`), and removing the last one deletes the set, so a later
 * factor never revives codes the user may have thrown away.
 */
import { ClientError } from "../../core/errors.js";
import { hashPassword, verifyPassword, verifyPasswordDummy } from "../../core/password.js";
import {
  RECOVERY_CODES_LOW_THRESHOLD,
  generateRecoveryCodes,
  parseRecoveryCode,
} from "../../core/recovery-codes.js";
import type { RecoveryCodesResponse, RecoveryCodesStatus } from "../../contract/index.js";
import {
  consumeRecoveryCode,
  countWebauthnCredentials,
  deleteRecoveryCodes,
  findUnusedRecoveryCode,
  getRecoveryCodeSetState,
  getUserById,
  replaceRecoveryCodes,
} from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import type { HashLane } from "../abuse/hash-gate.js";
import { notifySecurityEvent } from "../mail/notices.js";
import { announceSessionChange } from "../sessions/sessions.js";

const NO_SECOND_FACTOR =
  "Recovery codes stand in for a second factor: set up an authenticator app or a passkey first";

/** Whether the user has a second factor that recovery codes can stand in for. */
async function hasSecondFactor(
  ctx: ServiceContext,
  user: { id: string; totpEnabled: boolean },
): Promise<boolean> {
  return user.totpEnabled || (await countWebauthnCredentials(ctx.db, user.id)) > 0;
}

/**
 * Makes a new set of codes for the signed-in user themself (an admin may not make codes for
 * someone else) and ends the previous one. The codes are returned here and never again.
 * @throws PermissionDeniedError (another user), ClientError `no_second_factor`,
 *   InternalError `service_unavailable` (the hashing gate is full).
 */
export async function renewRecoveryCodes(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  meta: RequestMeta,
): Promise<RecoveryCodesResponse> {
  const target = await loadTarget(ctx, actor, targetId, {
    access: "self",
    deniedMessage: "Only the user themself may make recovery codes",
  });
  if (!(await hasSecondFactor(ctx, target))) {
    throw new ClientError(NO_SECOND_FACTOR, { code: "no_second_factor" });
  }
  const codes = generateRecoveryCodes();
  // Ten hashes one after the other in one slot of the gate: a renewal never takes the whole
  // pool from sign-ins, and is shed with them when it is full.
  const hashAll = async () => {
    const hashes: string[] = [];
    for (const code of codes) hashes.push(await hashPassword(code.secret, ctx.settings.argon2));
    return hashes;
  };
  const hashes = await (ctx.hashGate?.run("default", hashAll) ?? hashAll());
  const nowMs = ctx.clock();
  const replaced = await replaceRecoveryCodes(
    ctx.db,
    target.id,
    codes.map((code, i) => ({ index: code.index, hash: hashes[i] as string })),
    nowMs,
  );
  await announceSessionChange(ctx, { kind: "user", userId: target.id });
  // The last factor may have gone while the codes were hashed: then they go too (the removal
  // checks for codes after its own write, this after ours, so one of the two sees the other).
  const fresh = await getUserById(ctx.db, target.id);
  if (fresh === undefined || !(await hasSecondFactor(ctx, toFactorView(fresh)))) {
    await dropRecoveryCodesWithoutSecondFactor(ctx, target.id, meta, actor.id);
    throw new ClientError(NO_SECOND_FACTOR, { code: "no_second_factor" });
  }
  await audit(ctx, "recovery_codes_generated", {
    userId: target.id,
    meta,
    detail: { count: codes.length, unused_codes_ended: replaced },
  });
  await notifySecurityEvent(ctx, target, "recovery_codes_renewed", {
    meta,
    sessionId: meta.sessionId,
  });
  return { codes: codes.map((code) => code.code), created_at: new Date(nowMs).toISOString() };
}

/** How many codes of the user's set are left (self or admin); never the codes. */
export async function recoveryCodeStatus(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
): Promise<RecoveryCodesStatus> {
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  const state = await getRecoveryCodeSetState(ctx.db, target.id);
  return {
    remaining: state.remaining,
    total: state.total,
    created_at: state.createdAt === null ? null : state.createdAt.toISOString(),
    low: recoveryCodesLow(state.total > 0 ? state.remaining : null),
  };
}

/** Whether a count of codes left is low enough for the pages to ask for a new set. */
export function recoveryCodesLow(left: number | null): boolean {
  return left !== null && left <= RECOVERY_CODES_LOW_THRESHOLD;
}

/**
 * Checks a recovery code typed at sign-in, after the right password, and uses it up. One
 * Argon2 verify at most: of the row the code's index picks, else of a dummy hash (a used or
 * unknown index costs the same as a wrong secret); a malformed code is refused without one.
 * The attempt is counted on the user's second-factor throttle first, and given back only by a
 * right code. Returns false for a wrong, used, unknown or malformed code, and for the loser of
 * two sign-ins racing with one code (the store's conditional update decides).
 * @throws TooManyRequestsError while the user's second-factor counter is locked;
 *   InternalError `service_unavailable` (throttle store down, or hashing gate full).
 */
export async function verifyLoginRecoveryCode(
  ctx: ServiceContext,
  user: { id: string; name: string; email: string },
  input: string,
  meta: RequestMeta,
  lane: HashLane,
): Promise<boolean> {
  ctx.hashGate?.assertRoom(lane);
  await ctx.throttle.reserveTotpAttempt(user.id);
  const parsed = parseRecoveryCode(input);
  if (parsed === null) return false;
  const stored = await findUnusedRecoveryCode(ctx.db, user.id, parsed.index);
  const check = () =>
    stored === undefined
      ? verifyPasswordDummy(parsed.secret, ctx.settings.argon2)
      : secretMatches(stored, parsed.secret);
  const ok = await (ctx.hashGate?.run(lane, check) ?? check());
  if (!ok || stored === undefined) return false;
  if (!(await consumeRecoveryCode(ctx.db, user.id, parsed.index, stored, ctx.clock()))) {
    return false;
  }
  await ctx.throttle.recordTotpSuccess(user.id);
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  const left = (await getRecoveryCodeSetState(ctx.db, user.id)).remaining;
  await audit(ctx, "recovery_code_used", { userId: user.id, meta, detail: { remaining: left } });
  // The session is not issued yet: "This wasn't me" ends every session of the account.
  await notifySecurityEvent(ctx, user, "recovery_codes_used", { meta });
  return true;
}

/** A corrupt stored hash is a mismatch, not a 500. */
async function secretMatches(stored: string, secret: string): Promise<boolean> {
  try {
    return await verifyPassword(stored, secret);
  } catch {
    return false;
  }
}

function toFactorView(user: { id: string; totpSecret: string | null }): {
  id: string;
  totpEnabled: boolean;
} {
  return { id: user.id, totpEnabled: user.totpSecret !== null };
}

/**
 * After a second factor was removed (TOTP turned off, a passkey removed): when the user has
 * none left, their recovery codes are deleted (audited), since they would stand in for nothing.
 * Runs after the removal's own write, so of two removals at once the later one sees both gone.
 */
export async function dropRecoveryCodesWithoutSecondFactor(
  ctx: ServiceContext,
  userId: string,
  meta: RequestMeta | undefined,
  by: string,
): Promise<void> {
  const user = await getUserById(ctx.db, userId);
  if (user === undefined || user.recoveryCodesLeft === null) return;
  if (await hasSecondFactor(ctx, toFactorView(user))) return;
  const deleted = await deleteRecoveryCodes(ctx.db, userId);
  await announceSessionChange(ctx, { kind: "user", userId });
  await audit(ctx, "recovery_codes_deleted", {
    userId,
    meta,
    detail: { by, deleted, reason: "no_second_factor" },
  });
}
