/**
 * TOTP enrolment: setup stores a pending secret, confirm (with a code from it) makes it the
 * user's second factor, disable removes it (with a current code; an admin may disable
 * another user's TOTP without one, for a lost phone, and it is audited).
 */
import { ClientError } from "../../core/errors.js";
import { generateTotpSecret, matchTotpStep, totpProvisioningUri } from "../../core/totp.js";
import type { TotpSetupResponse } from "../../contract/index.js";
import {
  confirmTotpSecret,
  disableTotp,
  markTotpStepUsed,
  setTotpPendingSecret,
} from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { audit } from "../audit/audit.js";
import { dropRecoveryCodesWithoutSecondFactor } from "./recovery-codes.js";
import { announceSessionChange } from "../sessions/sessions.js";
import { notifySecurityEvent } from "../mail/notices.js";
import type { RequestMeta, ServiceContext } from "../context.js";

/**
 * Checks a code against the user's confirmed secret and claims its time step, so each step is
 * accepted once (atomically: two requests racing with one code cannot both win). Throttled per
 * user: counted before the check, given back only by a right code. False for a wrong or reused
 * code, or a user without TOTP (then nothing is counted). Sign-in, re-authentication and
 * turning TOTP off each use it. @throws TooManyRequestsError while the user's counter is locked.
 */
export async function claimTotpCode(
  ctx: ServiceContext,
  user: { id: string; totpSecret: string | null; totpLastStep: number | null },
  code: string,
): Promise<boolean> {
  if (user.totpSecret === null) return false;
  await ctx.throttle.reserveTotpAttempt(user.id);
  const step = matchTotpStep(user.totpSecret, code, {
    window: ctx.settings.totpWindow,
    clock: ctx.clock,
    afterStep: user.totpLastStep,
  });
  if (step === null || !(await markTotpStepUsed(ctx.db, user.id, step))) return false;
  await ctx.throttle.recordTotpSuccess(user.id);
  return true;
}

/** Starts enrolment: a new pending secret and its otpauth URI. */
export async function setupTotp(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  meta: RequestMeta,
): Promise<TotpSetupResponse> {
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  const secret = generateTotpSecret();
  await setTotpPendingSecret(ctx.db, target.id, secret);
  await audit(ctx, "totp_setup_started", { userId: target.id, meta, detail: { by: actor.id } });
  return { secret, otpauth_uri: totpProvisioningUri(secret, target.email, ctx.settings.appName) };
}

/** Confirms enrolment with a code from the pending secret. @throws ClientError `invalid_two_fa_code`. */
export async function confirmTotp(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  code: string,
  meta: RequestMeta,
): Promise<void> {
  // The pending secret is not on request.user: read the row.
  const target = await loadTarget(ctx, actor, targetId, {
    access: "self-or-admin",
    withSecrets: true,
  });
  if (target.totpPendingSecret === null) {
    throw new ClientError("No TOTP setup is pending", { code: "client_error" });
  }
  await ctx.throttle.reserveTotpAttempt(target.id);
  const step = matchTotpStep(target.totpPendingSecret, code, {
    window: ctx.settings.totpWindow,
    clock: ctx.clock,
  });
  if (
    step === null ||
    !(await confirmTotpSecret(ctx.db, target.id, step, {
      pendingSecret: target.totpPendingSecret,
      nowMs: ctx.clock(),
    }))
  ) {
    await audit(ctx, "totp_code_rejected", {
      userId: target.id,
      meta,
      detail: { during: "confirm" },
    });
    throw new ClientError("Invalid code", { code: "invalid_two_fa_code" });
  }
  await ctx.throttle.recordTotpSuccess(target.id);
  await announceSessionChange(ctx, { kind: "user", userId: target.id });
  await audit(ctx, "totp_enabled", { userId: target.id, meta, detail: { by: actor.id } });
  await notifySecurityEvent(
    ctx,
    target,
    "totp_enabled",
    actor.id === target.id ? { meta, sessionId: meta.sessionId } : { by: "administrator" },
  );
}

/**
 * Disables TOTP. The user themself needs a current, unused code; an admin acting on another
 * (non-admin) user does not. @throws ClientError `invalid_two_fa_code`.
 */
export async function disableTotpFor(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  code: string | undefined,
  meta: RequestMeta,
): Promise<void> {
  // The secret and its last used step are not on request.user: read the row.
  const target = await loadTarget(ctx, actor, targetId, {
    access: "self-or-admin",
    withSecrets: true,
  });
  const self = actor.id === target.id;
  if (self && target.totpSecret !== null && !(await claimTotpCode(ctx, target, code ?? ""))) {
    await audit(ctx, "totp_code_rejected", {
      userId: target.id,
      meta,
      detail: { during: "disable" },
    });
    throw new ClientError("Invalid code", { code: "invalid_two_fa_code" });
  }
  await disableTotp(ctx.db, target.id, ctx.clock());
  await announceSessionChange(ctx, { kind: "user", userId: target.id });
  await audit(ctx, "totp_disabled", {
    userId: target.id,
    meta,
    detail: { by: actor.id, without_code: !self },
  });
  await dropRecoveryCodesWithoutSecondFactor(ctx, target.id, meta, actor.id);
  await notifySecurityEvent(
    ctx,
    target,
    "totp_disabled",
    self ? { meta, sessionId: meta.sessionId } : { by: "administrator" },
  );
}

/** Whether the user has a confirmed TOTP secret. */
export async function isTotpConfigured(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
): Promise<boolean> {
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  return target.totpEnabled;
}
