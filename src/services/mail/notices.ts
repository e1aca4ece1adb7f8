/**
 * Security notices by mail (issue 12, part 6): a password changed or reset, a second factor
 * added or removed, recovery codes used or renewed, the account locked, a sign-in from a device
 * not seen for this user in 30 days. Each carries a "This wasn't me" link (a `not_me` token,
 * 7 days) that, once opened and confirmed (`reportNotMe`), ends the session concerned, or every
 * session for a password change, and leads to the reset page. Users cannot turn them off.
 *
 * An administrator's action (a lock, a password set or reset by an admin or the operator, a
 * factor an admin turned on or off: `by: "administrator"`) is told as such (issue 18, item 6):
 * no "if this was you", no "This wasn't me" link (it was not the user, and ending sessions is
 * not theirs to undo), and never the acting admin's browser or address.
 *
 *   await notifySecurityEvent(ctx, user, "totp_enabled", { sessionId, meta });
 *   await notifySecurityEvent(ctx, user, "totp_disabled", { by: "administrator" });
 *
 * Called inside the change's transaction (`ctx.db` a transaction), the notice is queued with the
 * change or not at all; call `ctx.mail?.wake()` after the commit.
 */
import { DAY_MS } from "../../core/clock.js";
import { ClientError } from "../../core/errors.js";
import { describeUserAgent } from "../../core/user-agent.js";
import { endSessionRecord, getUserById } from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { issueEmailToken, useEmailToken } from "./email-tokens.js";
import { announceSessionChange } from "../sessions/sessions.js";
import { endUserSessions } from "../sessions/ending.js";
import { enqueueMail } from "./queue.js";
import { composeMail, describeDuration, publicLink, type MailContent } from "./templates.js";
import type { ServiceSettings } from "../context.js";

/** The events that send a notice. */
export type SecurityEvent =
  | "password_changed"
  | "password_reset"
  | "totp_enabled"
  | "totp_disabled"
  | "passkey_added"
  | "passkey_removed"
  | "recovery_codes_used"
  | "recovery_codes_renewed"
  | "account_locked"
  | "new_device_sign_in";

/** How long a "This wasn't me" link works. */
export const NOT_ME_VALIDITY_MS = 7 * DAY_MS;

/** Who did what a notice tells: the user (or someone with their session), or an administrator. */
export type NoticeActor = "user" | "administrator";

/**
 * What each notice says, whether "This wasn't me" ends every session or the one concerned, and
 * what it says when an administrator did it (absent: only the user can do it).
 */
const NOTICES: Readonly<
  Record<
    SecurityEvent,
    {
      subject: string;
      happened: string;
      scope: "all" | "session";
      byAdministrator?: { happened: string; next: string };
    }
  >
> = {
  password_changed: {
    subject: "Your password was changed",
    happened: "The password of your account was changed.",
    scope: "all",
    byAdministrator: {
      happened:
        "An administrator set a new password for your account. Every session of your account ended.",
      next: "Sign in with the password your administrator gives you. If you did not expect this, ask your administrator.",
    },
  },
  password_reset: {
    subject: "Your password was reset",
    happened: "The password of your account was reset.",
    scope: "all",
    byAdministrator: {
      happened:
        "An administrator set a new password for your account. Every session of your account ended.",
      next: "Sign in with the password your administrator gives you. If you did not expect this, ask your administrator.",
    },
  },
  totp_enabled: {
    subject: "An authenticator app was added",
    happened: "An authenticator app was set up as a second factor for your account.",
    scope: "session",
    byAdministrator: {
      happened: "An administrator set up an authenticator app as a second factor for your account.",
      next: "If you did not expect this, ask your administrator.",
    },
  },
  totp_disabled: {
    subject: "Your authenticator app was removed",
    happened: "The authenticator app was turned off for your account.",
    scope: "session",
    byAdministrator: {
      happened: "An administrator turned off the authenticator app of your account.",
      next: "You can set up a second factor again on your account page. If you did not expect this, ask your administrator.",
    },
  },
  passkey_added: {
    subject: "A passkey was added",
    happened: "A passkey was added to your account.",
    scope: "session",
  },
  passkey_removed: {
    subject: "A passkey was removed",
    happened: "A passkey was removed from your account.",
    scope: "session",
    byAdministrator: {
      happened: "An administrator removed a passkey from your account.",
      next: "You can add a passkey again on your account page. If you did not expect this, ask your administrator.",
    },
  },
  recovery_codes_used: {
    subject: "A recovery code was used",
    happened: "One of your recovery codes was used to sign in.",
    scope: "session",
  },
  recovery_codes_renewed: {
    subject: "Your recovery codes were renewed",
    happened: "New recovery codes were made for your account; the old ones no longer work.",
    scope: "session",
  },
  account_locked: {
    subject: "Your account was locked",
    happened:
      "An administrator locked your account: nobody can sign in to it until it is unlocked.",
    scope: "all",
    byAdministrator: {
      happened:
        "An administrator locked your account: nobody can sign in to it until it is unlocked.",
      next: "If you did not expect this, ask your administrator.",
    },
  },
  new_device_sign_in: {
    subject: "New sign-in to your account",
    happened: "Your account was signed in to from a device it was not used on recently.",
    scope: "session",
  },
};

/** When, as the notices write it: "When: 2026-01-02 03:04:05 UTC." */
function describeWhen(atMs: number): string {
  return `When: ${new Date(atMs)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC")}.`;
}

/**
 * The notice of `event`: the user's own action (or someone's with their session) with its
 * "This wasn't me" link and where it came from; an administrator's action without either.
 * @throws TypeError for an administrator's action on an event only the user can do, or a user's
 * action without its token.
 */
export function securityNoticeMail(
  settings: ServiceSettings,
  facts: {
    name: string;
    event: SecurityEvent;
    atMs: number;
    by?: NoticeActor | undefined;
    meta?: RequestMeta | undefined;
    notMeToken?: string | undefined;
  },
): MailContent {
  const notice = NOTICES[facts.event];
  const when = describeWhen(facts.atMs);
  if (facts.by === "administrator") {
    const admin = notice.byAdministrator;
    if (admin === undefined) throw new TypeError(`Only the user can cause ${facts.event}`);
    // The acting admin's browser and address are theirs, not the user's business.
    return composeMail(settings, notice.subject, {
      name: facts.name,
      paragraphs: [admin.happened, when, admin.next],
      after: ["These notices cannot be turned off."],
    });
  }
  if (facts.notMeToken === undefined) throw new TypeError("A user's notice needs its not_me token");
  const where =
    facts.meta === undefined
      ? []
      : [
          `From: ${describeUserAgent(facts.meta.userAgent) ?? "an unknown browser or app"}, address ${facts.meta.ip}.`,
        ];
  return composeMail(settings, notice.subject, {
    name: facts.name,
    paragraphs: [notice.happened, when, ...where, "If this was you, there is nothing to do."],
    action: {
      label: "This wasn't me",
      url: publicLink(settings, "/not-me", { token: facts.notMeToken }),
    },
    after: [
      notice.scope === "all"
        ? "If it was not you, open the link: every session of your account ends, and you can choose a new password."
        : "If it was not you, open the link: the session that did it ends, and you can choose a new password.",
      `The link works for ${describeDuration(NOT_ME_VALIDITY_MS)}. These notices cannot be turned off.`,
    ],
  });
}

/**
 * Queues the notice of `event` to the user's address (nothing when the user has none). The
 * user's own action carries a "This wasn't me" token naming `sessionId` (the session concerned;
 * without one, or for a password change, every session); an administrator's
 * (`by: "administrator"`) carries no token and no `meta`.
 */
export async function notifySecurityEvent(
  ctx: ServiceContext,
  user: { id: string; name: string; email: string },
  event: SecurityEvent,
  options: {
    sessionId?: string | null | undefined;
    meta?: RequestMeta | undefined;
    by?: NoticeActor | undefined;
  } = {},
): Promise<void> {
  if (user.email === "") return;
  const atMs = ctx.clock();
  if (options.by === "administrator") {
    await enqueueMail(ctx, {
      to: user.email,
      ...securityNoticeMail(ctx.settings, { name: user.name, event, atMs, by: "administrator" }),
    });
    return;
  }
  const scope =
    NOTICES[event].scope === "session" && options.sessionId ? "session" : ("all" as const);
  const { token } = await issueEmailToken(ctx, {
    userId: user.id,
    purpose: "not_me",
    validityMs: NOT_ME_VALIDITY_MS,
    data: { event, scope, ...(scope === "session" ? { session_id: options.sessionId } : {}) },
  });
  await enqueueMail(ctx, {
    to: user.email,
    ...securityNoticeMail(ctx.settings, {
      name: user.name,
      event,
      atMs,
      meta: options.meta,
      notMeToken: token,
    }),
  });
}

/**
 * "This wasn't me", confirmed: uses the token and ends the session it names, or every session
 * of the user. Audited. Returns how many sessions ended.
 * @throws ClientError `invalid_email_token` for a link that is unknown, used or expired.
 */
export async function reportNotMe(
  ctx: ServiceContext,
  token: string,
  meta: RequestMeta,
): Promise<{ ended: number }> {
  const record = await useEmailToken(ctx, token, "not_me");
  const user =
    record === null || record.userId === null
      ? undefined
      : await getUserById(ctx.db, record.userId);
  if (record === null || user === undefined) {
    throw new ClientError("This link is unknown, already used or expired", {
      code: "invalid_email_token",
    });
  }
  const sessionId = record.data.session_id;
  let ended: number;
  if (record.data.scope === "session" && typeof sessionId === "string") {
    const session = await endSessionRecord(ctx.db, sessionId, {
      nowMs: ctx.clock(),
      reason: "not_me",
      userId: user.id,
    });
    await announceSessionChange(ctx, { kind: "session", sessionId });
    ended = session === undefined ? 0 : 1;
  } else {
    ended = await endUserSessions(ctx, user.id, "not_me");
  }
  await audit(ctx, "not_me_reported", {
    userId: user.id,
    meta,
    detail: { event: String(record.data.event ?? ""), ended },
  });
  return { ended };
}
