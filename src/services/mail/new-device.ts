/**
 * The new-device notice (issue 12, part 6): after a sign-in, a mail when the device was not
 * seen for this user in the last 30 days. A device is the device cookie's id
 * (`device-cookie.ts`); a client without a valid cookie (API clients, a new browser) is known
 * by a fingerprint of its user agent and network, so an API client signing in every hour is
 * not "new" each time. A user's very first recorded sign-in sends nothing (there is nothing to
 * compare with: new accounts, and every account once after the upgrade).
 */
import { createHash } from "node:crypto";
import { DAY_MS } from "../../core/clock.js";
import { recordDeviceSeen, type User } from "../../store/index.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { normalizeClientAddress } from "../abuse/rate-limit/index.js";
import { notifySecurityEvent } from "./notices.js";

/** A device unseen this long counts as new again. */
export const NEW_DEVICE_AFTER_MS = 30 * DAY_MS;

/**
 * Records the sign-in's device (in the caller's transaction: the sign-in's one write) and says
 * whether it is new for the user, so the notice goes out after the commit (`noticeNewDevice`).
 * `cookieDeviceId` is the request's valid device cookie's id, or null; `issuedDeviceId` the id
 * of the cookie this sign-in sets. A user's very first recorded device is not "new".
 */
export async function recordSignInDevice(
  db: ServiceContext["db"],
  user: User,
  options: {
    meta: RequestMeta;
    cookieDeviceId: string | null;
    issuedDeviceId: string;
    nowMs: number;
  },
): Promise<boolean> {
  const { meta, nowMs } = options;
  const key =
    options.cookieDeviceId ??
    `fp:${createHash("sha256")
      .update(`${meta.userAgent ?? ""}|${normalizeClientAddress(meta.ip)}`)
      .digest("base64url")
      .slice(0, 22)}`;
  // Without a cookie, the one this sign-in sets is recorded too: the browser's next sign-in
  // carries it, known from now on.
  const seen = await recordDeviceSeen(
    db,
    user.id,
    key,
    nowMs,
    options.cookieDeviceId === null && options.issuedDeviceId !== key
      ? [options.issuedDeviceId]
      : [],
  );
  const isNew =
    seen.lastSeenAt === null || nowMs - seen.lastSeenAt.getTime() >= NEW_DEVICE_AFTER_MS;
  return isNew && !seen.firstDevice;
}

/**
 * Queues the new-device notice when `recordSignInDevice` said so, after the sign-in's commit.
 * Never throws: a notice must not fail a sign-in.
 */
export async function noticeNewDevice(
  ctx: ServiceContext,
  user: User,
  options: { sessionId: string; meta: RequestMeta; isNew: boolean },
): Promise<void> {
  if (!options.isNew) return;
  try {
    await notifySecurityEvent(ctx, user, "new_device_sign_in", {
      sessionId: options.sessionId,
      meta: options.meta,
    });
  } catch {
    // The sign-in stands; the notice is lost (the device is recorded).
  }
}
