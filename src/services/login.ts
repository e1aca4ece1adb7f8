/**
 * The login flow: name (or email) and password, then a second factor when the user has one.
 * Unknown names and wrong passwords look the same from outside: same error, same Argon2 cost
 * (a dummy verify), same throttling (an unknown name gets its own account bucket).
 */
import { ClientError, PermissionDeniedError } from "../core/errors.js";
import { needsRehash, verifyPasswordDummy } from "../core/password.js";
import { matchTotpStep } from "../core/totp.js";
import type { LoginRequest, TwoFaRequiredResponse } from "../contract/index.js";
import {
  getUserByNameOrMail,
  markTotpStepUsed,
  normalizeIdentifier,
  recordLogin,
  setPasswordHash,
  type User,
} from "../store/index.js";
import { hashPassword } from "../core/password.js";
import { audit } from "./audit.js";
import type { RequestMeta, ServiceContext } from "./context.js";
import { issueDeviceToken, verifyDeviceToken } from "./device-cookie.js";
import { assertEmailVerifiedForSignIn } from "./email-verification.js";
import type { LoginReservation } from "./rate-limit/index.js";
import { issueSessionToken, type AuthenticationMethod } from "./sessions.js";
import { passwordMatches, requireChangeOfRefusedPassword } from "./passwords.js";

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
 *   ClientError `invalid_two_fa_code` for a wrong, reused or expired second factor.
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
  const lane = deviceId === null ? "default" : "trusted";
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
  // Issue 12: only someone who knows the password learns that the address is not verified.
  await assertEmailVerifiedForSignIn(ctx, user, reservation, meta);

  const amr: AuthenticationMethod[] = ["pwd"];
  const totpSupported = user.totpSecret !== null;
  const webauthnSupported = webauthn !== undefined && (await webauthn.isConfigured(ctx, user));
  if (totpSupported || webauthnSupported) {
    const code = request.two_fa_code ?? undefined;
    const response = request.webauthn_response ?? undefined;
    if (code !== undefined && code !== "" && totpSupported) {
      await verifyLoginTotp(ctx, user, code, meta);
      amr.push("otp");
    } else if (response !== undefined && webauthnSupported && webauthn.verify !== undefined) {
      let ok: boolean;
      try {
        ok = await webauthn.verify(ctx, user, response, meta);
      } catch (error) {
        // A malformed answer or a stale challenge is a failed attempt too; keep its clear code.
        await countSecondFactorFailure(ctx, user, meta, "webauthn");
        throw error;
      }
      if (!ok) await secondFactorFailed(ctx, user, meta, "webauthn");
      amr.push("webauthn");
    } else {
      const extra: TwoFaRequiredResponse = {
        user_id: user.id,
        totp_supported: totpSupported,
        webauthn_supported: webauthnSupported,
        ...(webauthnSupported && webauthn.challenge !== undefined
          ? await webauthn.challenge(ctx, user)
          : {}),
      };
      // The password was right: not a failure. The request with the factor reserves again.
      await ctx.throttle.releaseLoginAttempt(reservation);
      await audit(ctx, "login_two_fa_required", { userId: user.id, meta });
      throw new PermissionDeniedError("A second factor is required", {
        code: "two_fa_required",
        extra: extra as unknown as Record<string, unknown>,
      });
    }
  }

  return completeLogin(ctx, user, meta, {
    reservation,
    password: request.password,
    method: "password",
    amr,
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
  },
): Promise<LoginResult> {
  await ctx.throttle.releaseLoginAttempt(options.reservation);
  await ctx.throttle.recordLoginSuccess(options.reservation.attempt);
  if (options.password !== undefined) {
    user = await requireChangeOfRefusedPassword(ctx, user, options.password, meta);
  }
  if (options.password !== undefined && needsRehash(user.passwordHash, ctx.settings.argon2)) {
    // Same password, stronger parameters: sessions stay valid.
    const hash = await hashPassword(options.password, ctx.settings.argon2);
    await setPasswordHash(ctx.db, user.id, hash, {
      mustChangePassword: user.mustChangePassword,
      endSessions: false,
      now: new Date(ctx.clock()),
    });
    await audit(ctx, "password_rehashed", { userId: user.id, meta });
  }
  const now = new Date(ctx.clock());
  // The login time and its audit event are one write (one transaction, one fsync on SQLite).
  await ctx.db.transaction().execute(async (trx) => {
    await recordLogin(trx, user.id, now);
    await audit({ ...ctx, db: trx }, "login_succeeded", {
      userId: user.id,
      meta,
      detail: { method: options.method },
    });
  });
  const session = await issueSessionToken(ctx, user, {
    amr: options.amr ?? (options.method === "passkey" ? ["passkey"] : ["pwd"]),
    meta,
  });
  const keys = ctx.settings.jwtKeys;
  const deviceToken =
    verifyDeviceToken(keys, meta.deviceToken, user.id) === null
      ? issueDeviceToken(keys, user.id)
      : (meta.deviceToken as string);
  return { user: { ...user, lastLoginAt: now }, ...session, deviceToken };
}

async function checkPassword(
  ctx: ServiceContext,
  user: User | undefined,
  password: string,
): Promise<boolean> {
  if (user === undefined) return verifyPasswordDummy(password, ctx.settings.argon2);
  return passwordMatches(user, password);
}

async function verifyLoginTotp(
  ctx: ServiceContext,
  user: User,
  code: string,
  meta: RequestMeta,
): Promise<void> {
  await ctx.throttle.reserveTotpAttempt(user.id);
  const step = matchTotpStep(user.totpSecret ?? "", code, {
    window: ctx.settings.totpWindow,
    clock: ctx.clock,
    afterStep: user.totpLastStep,
  });
  // The step is claimed atomically: two requests racing with one code cannot both win.
  if (step === null || !(await markTotpStepUsed(ctx.db, user.id, step))) {
    await secondFactorFailed(ctx, user, meta, "totp");
  }
  await ctx.throttle.recordTotpSuccess(user.id);
}

async function secondFactorFailed(
  ctx: ServiceContext,
  user: User,
  meta: RequestMeta,
  factor: "totp" | "webauthn",
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
  factor: "totp" | "webauthn",
): Promise<void> {
  await audit(ctx, "login_failed", { userId: user.id, meta, detail: { reason: factor } });
}
