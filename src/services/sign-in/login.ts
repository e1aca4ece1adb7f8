/**
 * The login flow: name (or email) and password, then a second factor when the user has one.
 * Unknown names and wrong passwords look the same from outside: same error, same Argon2 cost
 * (a dummy verify), same throttling (an unknown name gets its own account bucket).
 */
import { accountLockedError, isAccountLocked } from "../../core/account-lock.js";
import { ClientError, PermissionDeniedError } from "../../core/errors.js";
import { needsRehash, verifyPasswordDummy } from "../../core/password.js";
import type { LoginRequest, TwoFaRequiredResponse } from "../../contract/index.js";
import {
  getUserByNameOrMail,
  normalizeIdentifier,
  recordLogin,
  setPasswordHash,
  withTransaction,
  type User,
} from "../../store/index.js";
import { hashPassword } from "../../core/password.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { issueDeviceToken, verifyDeviceToken } from "./device-cookie.js";
import type { HashLane } from "../abuse/hash-gate.js";
import { admitNewDevice } from "../abuse/proof-of-work.js";
import { assertEmailVerifiedForSignIn } from "../account/email-verification.js";
import type { LoginReservation } from "../abuse/rate-limit/index.js";
import { verifyLoginRecoveryCode } from "../factors/recovery-codes.js";
import {
  announceSessionChange,
  issueSessionToken,
  type AuthenticationMethod,
} from "../sessions/sessions.js";
import { passwordMatches, requireChangeOfRefusedPassword } from "../account/passwords.js";
import { claimTotpCode } from "../factors/totp.js";
import { noticeNewDevice, recordSignInDevice } from "../mail/new-device.js";

/** A successful login: the user and a fresh session token. */
export interface LoginResult {
  user: User;
  token: string;
  /** Cookie lifetime: the token's validity. */
  maxAgeSeconds: number;
  /** The new session record (`sid`). */
  sessionId: string;
  /** The device cookie to set (`device-cookie.ts`): the request's own when valid, else a new one. */
  deviceToken: string;
}

/** A second factor other than TOTP (passkeys plug in here). */
export interface SecondFactorProvider {
  /** Whether the user has this factor. */
  isConfigured(ctx: ServiceContext, user: User): Promise<boolean>;
  /** Extra fields for the 403 `extra` when a second factor is needed (e.g. WebAuthn options). */
  challenge?(ctx: ServiceContext, user: User): Promise<Record<string, unknown>>;
  /** Verifies the request's answer; returns false on a wrong answer. */
  verify?(
    ctx: ServiceContext,
    user: User,
    response: Record<string, unknown>,
    meta: RequestMeta,
  ): Promise<boolean>;
}

const INVALID_CREDENTIALS = "Invalid name or password";

/** The throttle's key for a login name: the user's id when it exists, else the folded name. */
export function accountKeyFor(user: User | undefined, query: string): string {
  return user === undefined ? `unknown:${normalizeIdentifier(query)}` : user.id;
}

/**
 * Logs a user in.
 * @throws TooManyRequestsError while the account or address is locked out;
 *   ClientError `invalid_credentials` for an unknown name or wrong password;
 *   PermissionDeniedError `email_not_verified` (right password, address to verify first);
 *   PermissionDeniedError `two_fa_required` (extra: TwoFaRequiredResponse) when a second factor is needed;
 *   PermissionDeniedError `account_locked` (extra: { until }) for a locked account, after the password;
 *   ClientError `invalid_two_fa_code` for a wrong, reused or expired second factor or recovery code.
 */
export async function login(
  ctx: ServiceContext,
  request: LoginRequest,
  meta: RequestMeta,
  webauthn?: SecondFactorProvider,
): Promise<LoginResult> {
  const user = await getUserByNameOrMail(ctx.db, request.name);
  const accountKey = accountKeyFor(user, request.name);
  // Counted before Argon2 runs (issue 14 item 1); given back only when the password is right.
  const deviceId =
    user === undefined ? null : verifyDeviceToken(ctx.settings.jwtKeys, meta.deviceToken, user.id);
  const lane: HashLane =
    deviceId !== null ? "trusted" : await admitNewDevice(ctx, request.proof_of_work);
  ctx.hashGate?.assertRoom(lane);
  const reservation = await ctx.throttle.reserveLoginAttempt({
    accountKey,
    address: meta.ip,
    deviceId,
  });

  // Bounded hashing (issue 14 item 3): a browser with a device cookie has its own lane. A
  // sign-in shed with 503 was never checked, so it does not count as a failure.
  const hash = () => checkPassword(ctx, user, request.password);
  let passwordOk: boolean;
  try {
    passwordOk = await (ctx.hashGate?.run(lane, hash) ?? hash());
  } catch (error) {
    await ctx.throttle.releaseLoginAttempt(reservation);
    throw error;
  }
  if (user === undefined || !passwordOk) {
    await audit(ctx, "login_failed", {
      userId: user?.id ?? null,
      meta,
      detail: { reason: user === undefined ? "unknown_user" : "password" },
    });
    throw new ClientError(INVALID_CREDENTIALS, { code: "invalid_credentials" });
  }
  // Only now, with the password verified: a lock tells nothing to someone without it.
  await refuseLocked(ctx, user, meta, reservation);
  // Issue 12: only someone who knows the password learns that the address is not verified.
  await assertEmailVerifiedForSignIn(ctx, user, reservation, meta);

  const factor = await verifySecondFactor(ctx, user, request, meta, {
    webauthn,
    lane,
    // The password was right: not a failure. The request with the factor reserves again.
    beforeRequired: async () => {
      await ctx.throttle.releaseLoginAttempt(reservation);
      await audit(ctx, "login_two_fa_required", { userId: user.id, meta });
    },
  });
  const amr: AuthenticationMethod[] = factor === null ? ["pwd"] : ["pwd", factor];

  return completeLogin(ctx, user, meta, {
    reservation,
    password: request.password,
    method: "password",
    amr,
    // Verified and checked above, on this same user record: not again (issue 20 item 1).
    deviceId,
    lockChecked: true,
  });
}

/** A request's answer to the second factor: login's and the reset link's fields. */
export interface SecondFactorAnswer {
  two_fa_code?: string | null | undefined;
  webauthn_response?: Record<string, unknown> | null | undefined;
  recovery_code?: string | null | undefined;
}

/**
 * The second factor a sign-in request presents, in the order `verifySecondFactor` tries them;
 * an empty field is no answer. What the sign-in metrics count an attempt under.
 */
export function presentedSecondFactor(
  answer: SecondFactorAnswer,
): "totp" | "webauthn" | "recovery" | null {
  if (isAnswered(answer.two_fa_code)) return "totp";
  if (answer.webauthn_response !== undefined && answer.webauthn_response !== null) {
    return "webauthn";
  }
  if (isAnswered(answer.recovery_code)) return "recovery";
  return null;
}

function isAnswered(field: string | null | undefined): field is string {
  return typeof field === "string" && field !== "";
}

/**
 * The second factor of a request that already proved the first (a password, or a reset link):
 * TOTP (replay-safe), a passkey assertion, or a recovery code in place of either, each failure
 * counted with the login's. Returns the `amr` entry it adds, or null when the user has no second
 * factor. When one is owed and none is given, runs `beforeRequired` and throws `two_fa_required`
 * with the `extra` clients switch on. Login and `POST /password/reset-with-token` both use it, so
 * an inbox alone never passes where a password alone would not.
 * @throws PermissionDeniedError `two_fa_required`; ClientError `invalid_two_fa_code`.
 */
export async function verifySecondFactor(
  ctx: ServiceContext,
  user: User,
  answer: SecondFactorAnswer,
  meta: RequestMeta,
  options: {
    webauthn?: SecondFactorProvider | undefined;
    lane: HashLane;
    beforeRequired?: () => Promise<void>;
  },
): Promise<AuthenticationMethod | null> {
  const { webauthn } = options;
  const totpSupported = user.totpSecret !== null;
  const code = answer.two_fa_code;
  const response = answer.webauthn_response ?? undefined;
  const recoveryCode = answer.recovery_code;
  // The request names its factor: a TOTP code for a user with TOTP needs no passkey query.
  if (isAnswered(code) && totpSupported) {
    await verifyLoginTotp(ctx, user, code, meta);
    return "otp";
  }
  const webauthnSupported = webauthn !== undefined && (await webauthn.isConfigured(ctx, user));
  if (!totpSupported && !webauthnSupported) return null;
  if (response !== undefined && webauthnSupported && webauthn.verify !== undefined) {
    let ok: boolean;
    try {
      ok = await webauthn.verify(ctx, user, response, meta);
    } catch (error) {
      // A malformed answer or a stale challenge is a failed attempt too; keep its clear code.
      await countSecondFactorFailure(ctx, user, meta, "webauthn");
      throw error;
    }
    if (!ok) await secondFactorFailed(ctx, user, meta, "webauthn");
    return "webauthn";
  }
  if (isAnswered(recoveryCode)) {
    // In place of the second factor, once (issue 11 item 2); counted with its failures.
    if (!(await verifyLoginRecoveryCode(ctx, user, recoveryCode, meta, options.lane))) {
      await secondFactorFailed(ctx, user, meta, "recovery_code");
    }
    return "recovery";
  }
  const extra: TwoFaRequiredResponse = {
    user_id: user.id,
    totp_supported: totpSupported,
    webauthn_supported: webauthnSupported,
    recovery_supported: (user.recoveryCodesLeft ?? 0) > 0,
    ...(webauthnSupported && webauthn.challenge !== undefined
      ? await webauthn.challenge(ctx, user)
      : {}),
  };
  await options.beforeRequired?.();
  throw new PermissionDeniedError("A second factor is required", {
    code: "two_fa_required",
    extra: extra as unknown as Record<string, unknown>,
  });
}

/**
 * The end of every successful sign-in (password, password + factor, passkey): resets the
 * account's failures, re-hashes an old-parameter hash, records the login, issues a token.
 */
export async function completeLogin(
  ctx: ServiceContext,
  user: User,
  meta: RequestMeta,
  options: {
    reservation: LoginReservation;
    password?: string;
    method: string;
    /** How the user authenticated (the session's `amr`). Default: `passkey` or `pwd` by method. */
    amr?: readonly AuthenticationMethod[];
    /** The request's device cookie id as the caller verified it (null: none); absent: verify here. */
    deviceId?: string | null;
    /** The caller already refused a locked `user` (this same record): no second check. */
    lockChecked?: boolean;
  },
): Promise<LoginResult> {
  // Every way in ends here (password, second factor, passkey): a locked account stops here.
  if (options.lockChecked !== true) await refuseLocked(ctx, user, meta, options.reservation);
  // The attempt given back and this network's failures forgotten: one step, one commit.
  await ctx.throttle.recordLoginSuccess(options.reservation.attempt, options.reservation);
  let policyChecked: string | undefined;
  if (options.password !== undefined) {
    ({ user, policyChecked } = await requireChangeOfRefusedPassword(
      ctx,
      user,
      options.password,
      meta,
    ));
  }
  if (
    options.password !== undefined &&
    user.passwordHash !== null &&
    needsRehash(user.passwordHash, ctx.settings.argon2)
  ) {
    // Same password, stronger parameters: sessions stay valid.
    const hash = await hashPassword(options.password, ctx.settings.argon2);
    await setPasswordHash(ctx.db, user.id, hash, {
      mustChangePassword: user.mustChangePassword,
      endSessions: false,
      nowMs: ctx.clock(),
    });
    await audit(ctx, "password_rehashed", { userId: user.id, meta });
  }
  const nowMs = ctx.clock();
  const keys = ctx.settings.jwtKeys;
  const cookieDeviceId =
    options.deviceId !== undefined
      ? options.deviceId
      : verifyDeviceToken(keys, meta.deviceToken, user.id);
  const deviceToken =
    cookieDeviceId === null ? issueDeviceToken(keys, user.id) : (meta.deviceToken as string);
  // The session, the login time (and the policy the password passed), its audit event and the
  // device are one write (one transaction, one fsync on SQLite): when a lock commits first, the
  // session's insert refuses (`account_locked`) and no "signed in" event is left behind for a
  // sign-in that was refused.
  const { session, newDevice } = await withTransaction(ctx.db, async (trx) => {
    const tx = { ...ctx, db: trx };
    const issued = await issueSessionToken(tx, user, {
      amr: options.amr ?? (options.method === "passkey" ? ["passkey"] : ["pwd"]),
      meta,
    });
    await recordLogin(trx, user.id, nowMs, policyChecked);
    await audit(tx, "login_succeeded", {
      userId: user.id,
      meta,
      detail: { method: options.method },
    });
    // Issue 12: a sign-in from a device not seen for 30 days is mailed to the user.
    const isNew = await recordSignInDevice(trx, user, {
      meta,
      cookieDeviceId,
      issuedDeviceId: deviceToken.split(".")[1] ?? "",
      nowMs,
    });
    return { session: issued, newDevice: isNew };
  }).catch(async (error: unknown) => {
    // Locked after the check above: refused and audited as that check would have.
    if (error instanceof PermissionDeniedError && error.code === "account_locked") {
      await audit(ctx, "login_failed", { userId: user.id, meta, detail: { reason: "locked" } });
    }
    throw error;
  });
  // After the commit (the last login time changed): views cached anywhere are stale.
  await announceSessionChange(ctx, { kind: "user", userId: user.id }, false);
  await noticeNewDevice(ctx, user, { sessionId: session.sessionId, meta, isNew: newDevice });
  return { user: { ...user, lastLoginAt: new Date(nowMs) }, ...session, deviceToken };
}

/**
 * 403 `account_locked` for a locked account, after its password or passkey was verified: the
 * attempt was right, so it is given back (not a failure), and the refusal is audited.
 */
async function refuseLocked(
  ctx: ServiceContext,
  user: User,
  meta: RequestMeta,
  reservation: LoginReservation,
): Promise<void> {
  if (!isAccountLocked(user, ctx.clock())) return;
  await ctx.throttle.releaseLoginAttempt(reservation);
  await audit(ctx, "login_failed", { userId: user.id, meta, detail: { reason: "locked" } });
  throw accountLockedError(user.lockedUntil);
}

async function checkPassword(
  ctx: ServiceContext,
  user: User | undefined,
  password: string,
): Promise<boolean> {
  if (user === undefined) return verifyPasswordDummy(password, ctx.settings.argon2);
  // No password (a passkey-first account, issue 24): the same Argon2 cost and the same answer
  // as a wrong password, so nothing tells such an account from another.
  if (user.passwordHash === null) {
    await verifyPasswordDummy(password, ctx.settings.argon2);
    return false;
  }
  return passwordMatches(user, password);
}

/** A TOTP code at sign-in (`claimTotpCode`); a wrong or reused one is a failed second factor. */
async function verifyLoginTotp(
  ctx: ServiceContext,
  user: User,
  code: string,
  meta: RequestMeta,
): Promise<void> {
  if (!(await claimTotpCode(ctx, user, code))) await secondFactorFailed(ctx, user, meta, "totp");
}

/** What a failed second factor was, in the audit event's `reason`. */
type SecondFactorName = "totp" | "webauthn" | "recovery_code";

/** Counts a failed second factor and throws `invalid_two_fa_code`. */
async function secondFactorFailed(
  ctx: ServiceContext,
  user: User,
  meta: RequestMeta,
  factor: SecondFactorName,
): Promise<never> {
  await countSecondFactorFailure(ctx, user, meta, factor);
  throw new ClientError("Invalid second factor", { code: "invalid_two_fa_code" });
}

/**
 * A failed second factor counts as a failed login, for the account and the address: the
 * attempt reserved before the password check is simply not given back.
 */
async function countSecondFactorFailure(
  ctx: ServiceContext,
  user: User,
  meta: RequestMeta,
  factor: SecondFactorName,
): Promise<void> {
  await audit(ctx, "login_failed", { userId: user.id, meta, detail: { reason: factor } });
}
