/**
 * Re-authentication for sensitive actions (issue 11 item 4, ASVS 5.0 V7.5.1): changing or
 * removing a factor and ending all sessions need an authentication within the last
 * `reauthenticationMinutes` of this session (its `auth_time`: the sign-in, or the last
 * `POST /reauthenticate`). Without one: 403 `reauthentication_required`, `extra.methods`.
 *
 * The check reads the session record, not the per-process cache: sensitive actions are rare
 * (one primary-key read each), and a renewal made on another instance is then seen at once,
 * without the cache and its channel having to carry `auth_time`.
 *
 * `POST /reauthenticate` takes the password, a TOTP code or a passkey assertion, throttled as a
 * login is (an attempt reserved for the account, address and device before the check; a wrong
 * answer keeps it), audited, and renews `auth_time` (the method joins `amr`).
 */
import { MINUTE_MS, SECOND_MS } from "../../core/clock.js";
import { ClientError, NotAuthorizedError, PermissionDeniedError } from "../../core/errors.js";
import { parseAuthenticationResponse } from "../../core/webauthn/index.js";
import type { ReauthenticateRequest } from "../../contract/index.js";
import { getSession, getUserById, recordReauthentication, type User } from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { PasskeyDependencies, RequestMeta, ServiceContext } from "../context.js";
import { verifyDeviceToken } from "./device-cookie.js";
import { verifyPasskeyReauthentication } from "../factors/passkeys/index.js";
import { passwordMatches } from "../account/passwords.js";
import type { LoginReservation } from "../abuse/rate-limit/index.js";
import {
  issueSessionToken,
  type AuthenticationMethod,
  type IssuedSession,
} from "../sessions/sessions.js";
import {
  reauthenticationMethods,
  type ReauthenticationMethod,
} from "../sessions/two-factor-policy.js";
import { claimTotpCode } from "../factors/totp.js";
import type { PublicUser } from "../users-view.js";

/** The session a request runs in, as the middleware found it. */
export interface RequestSession {
  user: PublicUser;
  /** The session (`sid`), or null for a seed token (which has no `auth_time`). */
  sessionId: string | null;
}

/** What `POST /reauthenticate` did. */
export interface ReauthenticationResult {
  method: ReauthenticationMethod;
  /** The session's new `auth_time`, epoch milliseconds. */
  authTimeMs: number;
  amr: string[];
  /** A seed token has no session to renew: a new session was started for it. */
  issued: IssuedSession | null;
}

const AMR_OF: Readonly<Record<ReauthenticationMethod, AuthenticationMethod>> = Object.freeze({
  password: "pwd",
  totp: "otp",
  webauthn: "webauthn",
});

function windowMs(ctx: ServiceContext): number {
  return ctx.settings.reauthenticationMinutes * MINUTE_MS;
}

/**
 * Passes when this session authenticated within the window; an admin acting on another user's
 * account needs their own recent authentication (it is the admin's session that is checked).
 * @throws PermissionDeniedError `reauthentication_required` with `extra.methods` (the user's)
 *   and `extra.max_age_seconds`.
 */
export async function assertRecentAuthentication(
  ctx: ServiceContext,
  session: RequestSession,
): Promise<void> {
  if (session.sessionId !== null) {
    const record = await getSession(ctx.db, session.sessionId);
    if (
      record !== undefined &&
      record.userId === session.user.id &&
      ctx.clock() - record.authTime.getTime() <= windowMs(ctx)
    ) {
      return;
    }
  }
  throw new PermissionDeniedError("Confirm it is you: authenticate again to do this", {
    code: "reauthentication_required",
    extra: {
      methods: await reauthenticationMethods(ctx, session.user),
      max_age_seconds: windowMs(ctx) / SECOND_MS,
    },
  });
}

/** Which method a request uses: exactly one of the three fields. @throws ClientError. */
function methodOf(input: ReauthenticateRequest): ReauthenticationMethod {
  const given: ReauthenticationMethod[] = [];
  if (input.password !== undefined) given.push("password");
  if (input.two_fa_code !== undefined) given.push("totp");
  if (input.webauthn_response !== undefined) given.push("webauthn");
  if (given.length !== 1 || given[0] === undefined) {
    throw new ClientError("Send exactly one of password, two_fa_code and webauthn_response", {
      code: "validation_error",
    });
  }
  return given[0];
}

/**
 * `POST /reauthenticate`: checks the password, TOTP code or passkey assertion of the signed-in
 * user and renews the session's `auth_time`.
 * @throws TooManyRequestsError while the account or address is locked out;
 *   ClientError `invalid_credentials` (wrong password), `invalid_two_fa_code` (wrong, reused or
 *   not enrolled TOTP, a passkey that does not verify), `webauthn_challenge_invalid`,
 *   `validation_error` (not exactly one answer); NotAuthorizedError when the session ended.
 */
export async function reauthenticate(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  session: RequestSession,
  input: ReauthenticateRequest,
  meta: RequestMeta,
): Promise<ReauthenticationResult> {
  const method = methodOf(input);
  const user = await getUserById(ctx.db, session.user.id);
  if (user === undefined) throw new NotAuthorizedError("Invalid or expired token");
  // A passkey answer is parsed once, before anything is counted: malformed is a 400, not a try.
  const assertion =
    input.webauthn_response === undefined
      ? undefined
      : parseAuthenticationResponse(input.webauthn_response);

  const deviceId = verifyDeviceToken(ctx.settings.jwtKeys, meta.deviceToken, user.id);
  const lane = deviceId === null ? "default" : "trusted";
  if (method === "password") ctx.hashGate?.assertRoom(lane);
  const reservation = await ctx.throttle.reserveLoginAttempt({
    accountKey: user.id,
    address: meta.ip,
    deviceId,
  });

  let ok: boolean;
  if (method === "password") {
    const check = () => passwordMatches(user, input.password ?? "");
    try {
      ok = await (ctx.hashGate?.run(lane, check) ?? check());
    } catch (error) {
      // Shed (503) or failed before the check: not a wrong answer.
      await ctx.throttle.releaseLoginAttempt(reservation);
      throw error;
    }
  } else if (method === "totp") {
    ok = await claimTotpCode(ctx, user, input.two_fa_code ?? "");
  } else {
    try {
      ok =
        assertion !== undefined &&
        (await verifyPasskeyReauthentication(ctx, deps, user.id, assertion, meta));
    } catch (error) {
      // A stale challenge or a counter that went back is a failed attempt too.
      await failed(ctx, user, meta, method);
      throw error;
    }
  }
  if (!ok) {
    await failed(ctx, user, meta, method);
    throw method === "password"
      ? new ClientError("Invalid password", { code: "invalid_credentials" })
      : new ClientError("Invalid second factor", { code: "invalid_two_fa_code" });
  }
  return succeeded(ctx, user, session, method, meta, reservation);
}

/** A wrong answer: the reserved attempt stays counted; audited. */
async function failed(
  ctx: ServiceContext,
  user: User,
  meta: RequestMeta,
  method: ReauthenticationMethod,
): Promise<void> {
  await audit(ctx, "reauthentication_failed", { userId: user.id, meta, detail: { method } });
}

async function succeeded(
  ctx: ServiceContext,
  user: User,
  session: RequestSession,
  method: ReauthenticationMethod,
  meta: RequestMeta,
  reservation: LoginReservation,
): Promise<ReauthenticationResult> {
  await ctx.throttle.releaseLoginAttempt(reservation);
  await ctx.throttle.recordLoginSuccess(reservation.attempt);
  const amrMethod = AMR_OF[method];
  let result: ReauthenticationResult;
  if (session.sessionId === null) {
    // A seed token has no `auth_time`: the re-authentication starts a session (as a password
    // change does for one).
    const issued = await issueSessionToken(ctx, user, { amr: [amrMethod], meta });
    result = { method, authTimeMs: ctx.clock(), amr: [amrMethod], issued };
  } else {
    const record = await recordReauthentication(
      ctx.db,
      session.sessionId,
      user.id,
      ctx.clock(),
      amrMethod,
    );
    if (record === undefined) throw new NotAuthorizedError("Invalid or expired token");
    result = { method, authTimeMs: record.authTime.getTime(), amr: record.amr, issued: null };
  }
  await audit(ctx, "reauthenticated", {
    userId: user.id,
    meta,
    detail: { method, session: result.issued?.sessionId ?? session.sessionId },
  });
  return result;
}
