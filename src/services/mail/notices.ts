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
import { userAgentParts } from "../../core/user-agent.js";
import { endSessionRecord, getUserById } from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { issueEmailToken, useEmailToken } from "./email-tokens.js";
import { announceSessionChange } from "../sessions/sessions.js";
import { endUserSessions } from "../sessions/ending.js";
import { enqueueMail } from "./queue.js";
import {
  composeMail,
  describeDuration,
  formatMailDate,
  mailLocale,
  mailText,
  publicLink,
  recipientHasPassword,
  type MailContent,
  type MailRecipient,
} from "./templates.js";
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
 * What each notice says (`mail.` message keys), whether "This wasn't me" ends every session or
 * the one concerned, and what it says when an administrator did it (absent: only the user can).
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
    subject: "mail.notice_password_changed_subject",
    happened: "mail.notice_password_changed",
    scope: "all",
    byAdministrator: {
      happened: "mail.notice_admin_password",
      next: "mail.notice_admin_password_next",
    },
  },
  password_reset: {
    subject: "mail.notice_password_reset_subject",
    happened: "mail.notice_password_reset",
    scope: "all",
    byAdministrator: {
      happened: "mail.notice_admin_password",
      next: "mail.notice_admin_password_next",
    },
  },
  totp_enabled: {
    subject: "mail.notice_totp_enabled_subject",
    happened: "mail.notice_totp_enabled",
    scope: "session",
    byAdministrator: {
      happened: "mail.notice_admin_totp_enabled",
      next: "mail.notice_admin_next",
    },
  },
  totp_disabled: {
    subject: "mail.notice_totp_disabled_subject",
    happened: "mail.notice_totp_disabled",
    scope: "session",
    byAdministrator: {
      happened: "mail.notice_admin_totp_disabled",
      next: "mail.notice_admin_totp_disabled_next",
    },
  },
  passkey_added: {
    subject: "mail.notice_passkey_added_subject",
    happened: "mail.notice_passkey_added",
    scope: "session",
  },
  passkey_removed: {
    subject: "mail.notice_passkey_removed_subject",
    happened: "mail.notice_passkey_removed",
    scope: "session",
    byAdministrator: {
      happened: "mail.notice_admin_passkey_removed",
      next: "mail.notice_admin_passkey_removed_next",
    },
  },
  recovery_codes_used: {
    subject: "mail.notice_recovery_codes_used_subject",
    happened: "mail.notice_recovery_codes_used",
    scope: "session",
  },
  recovery_codes_renewed: {
    subject: "mail.notice_recovery_codes_renewed_subject",
    happened: "mail.notice_recovery_codes_renewed",
    scope: "session",
  },
  account_locked: {
    subject: "mail.notice_account_locked_subject",
    happened: "mail.notice_account_locked",
    scope: "all",
    byAdministrator: {
      happened: "mail.notice_account_locked",
      next: "mail.notice_admin_next",
    },
  },
  new_device_sign_in: {
    subject: "mail.notice_new_device_subject",
    happened: "mail.notice_new_device",
    scope: "session",
  },
};

/** Where a request came from, in the mail's language: "Firefox on Linux, address 192.0.2.1". */
function describeWhere(t: ReturnType<typeof mailText>, meta: RequestMeta): string {
  const parts = userAgentParts(meta.userAgent);
  const agent =
    parts === null
      ? t("mail.notice_agent_unknown")
      : parts.browser !== undefined && parts.system !== undefined
        ? t("mail.notice_agent", { browser: parts.browser, system: parts.system })
        : (parts.browser ?? parts.system ?? t("mail.notice_agent_unknown_device"));
  return t("mail.notice_from", { agent, ip: meta.ip });
}

/**
 * The notice of `event`: the user's own action (or someone's with their session) with its
 * "This wasn't me" link and where it came from; an administrator's action without either.
 * In `facts.locale` (default: the server's); an account without a password (`hasPassword`
 * false, issue 24) is not told to choose a new password.
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
    locale?: string | undefined;
    hasPassword?: boolean | undefined;
  },
): MailContent {
  const locale = facts.locale ?? mailLocale(settings);
  const t = mailText(locale);
  const notice = NOTICES[facts.event];
  const subject = t(notice.subject);
  const when = t("mail.notice_when", { when: formatMailDate(locale, facts.atMs) });
  if (facts.by === "administrator") {
    const admin = notice.byAdministrator;
    if (admin === undefined) throw new TypeError(`Only the user can cause ${facts.event}`);
    // The acting admin's browser and address are theirs, not the user's business.
    return composeMail(
      settings,
      subject,
      {
        name: facts.name,
        paragraphs: [t(admin.happened), when, t(admin.next)],
        after: [t("mail.notice_cannot_turn_off")],
      },
      locale,
    );
  }
  if (facts.notMeToken === undefined) throw new TypeError("A user's notice needs its not_me token");
  const where = facts.meta === undefined ? [] : [describeWhere(t, facts.meta)];
  const passwordless = facts.hasPassword === false;
  return composeMail(
    settings,
    subject,
    {
      name: facts.name,
      paragraphs: [t(notice.happened), when, ...where, t("mail.notice_if_you")],
      action: {
        label: t("mail.notice_not_me_action"),
        url: publicLink(settings, "/not-me", { token: facts.notMeToken }),
      },
      after: [
        t(
          notice.scope === "all"
            ? passwordless
              ? "mail.notice_not_me_all_passwordless"
              : "mail.notice_not_me_all"
            : passwordless
              ? "mail.notice_not_me_session_passwordless"
              : "mail.notice_not_me_session",
        ),
        t("mail.notice_link_validity", {
          duration: describeDuration(NOT_ME_VALIDITY_MS, locale),
        }),
      ],
    },
    locale,
  );
}

/**
 * Queues the notice of `event` to the user's address (nothing when the user has none). The
 * user's own action carries a "This wasn't me" token naming `sessionId` (the session concerned;
 * without one, or for a password change, every session); an administrator's
 * (`by: "administrator"`) carries no token and no `meta`.
 */
export async function notifySecurityEvent(
  ctx: ServiceContext,
  user: {
    id: string;
    name: string;
    email: string;
    hasPassword?: boolean | undefined;
    passwordHash?: string | null | undefined;
  } & MailRecipient,
  event: SecurityEvent,
  options: {
    sessionId?: string | null | undefined;
    meta?: RequestMeta | undefined;
    by?: NoticeActor | undefined;
  } = {},
): Promise<void> {
  if (user.email === "") return;
  const atMs = ctx.clock();
  const locale = mailLocale(ctx.settings, user, options.meta);
  const hasPassword = recipientHasPassword(user);
  if (options.by === "administrator") {
    await enqueueMail(ctx, {
      to: user.email,
      ...securityNoticeMail(ctx.settings, {
        name: user.name,
        event,
        atMs,
        by: "administrator",
        locale,
        hasPassword,
      }),
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
      locale,
      hasPassword,
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
