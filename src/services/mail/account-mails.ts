/**
 * The mails of the account flows (issue 12, parts 3 to 5): address verification, the notice to
 * an address that was replaced, invitations, the answers to a sign-up, and the password reset
 * link. Built with `composeMail` like every mail, every word from the `mail.` messages in the
 * mail's language (`facts.locale`, see `mailLocale`); the links carry their token in the
 * fragment (`publicLink`).
 */
import type { ServiceSettings } from "../context.js";
import {
  composeMail,
  describeDuration,
  mailLocale,
  mailText,
  publicLink,
  type MailContent,
} from "./templates.js";

/** The language of a mail's facts: given, else the server's default. */
interface InLocale {
  /** The mail's language (`mailLocale`); absent: `TESSERA_DEFAULT_LOCALE`. */
  locale?: string | undefined;
}

/** "Confirm your email address": sent when an account gets an address (created, changed, asked again). */
export function verifyEmailMail(
  settings: ServiceSettings,
  facts: { name: string; email: string; token: string; validityMs: number } & InLocale,
): MailContent {
  const locale = facts.locale ?? mailLocale(settings);
  const t = mailText(locale);
  const app = settings.appName;
  return composeMail(
    settings,
    t("mail.verify_email_subject"),
    {
      name: facts.name,
      paragraphs: [t("mail.verify_email_body", { email: facts.email, app, name: facts.name })],
      action: {
        label: t("mail.verify_email_action"),
        url: publicLink(settings, "/verify-email", { token: facts.token }),
      },
      after: [
        t("mail.link_once", { duration: describeDuration(facts.validityMs, locale) }),
        t("mail.verify_email_ignore"),
      ],
    },
    locale,
  );
}

/** "Your email address was changed": to the old address when it is replaced. */
export function emailChangedNoticeMail(
  settings: ServiceSettings,
  facts: {
    name: string;
    oldEmail: string;
    newEmail: string;
    byAdmin: boolean;
    /** False for an account without a password (issue 24): no "change your password". */
    hasPassword?: boolean | undefined;
  } & InLocale,
): MailContent {
  const locale = facts.locale ?? mailLocale(settings);
  const t = mailText(locale);
  const values = {
    app: settings.appName,
    name: facts.name,
    old_email: facts.oldEmail,
    new_email: facts.newEmail,
  };
  return composeMail(
    settings,
    t("mail.email_changed_subject"),
    {
      name: facts.name,
      paragraphs: [
        t(facts.byAdmin ? "mail.email_changed_body_by_admin" : "mail.email_changed_body", values),
        t("mail.email_changed_where"),
      ],
      after: [
        t(
          facts.hasPassword === false
            ? "mail.email_changed_not_you_passwordless"
            : "mail.email_changed_not_you",
        ),
      ],
    },
    locale,
  );
}

/** "You are invited": an account made by an admin without a password. */
export function invitationMail(
  settings: ServiceSettings,
  facts: { name: string; token: string; validityMs: number } & InLocale,
): MailContent {
  const locale = facts.locale ?? mailLocale(settings);
  const t = mailText(locale);
  const app = settings.appName;
  return composeMail(
    settings,
    t("mail.invitation_subject", { app }),
    {
      name: facts.name,
      paragraphs: [t("mail.invitation_body", { name: facts.name, app })],
      action: {
        label: t("mail.invitation_action"),
        url: publicLink(settings, "/invitation", { token: facts.token }),
      },
      after: [
        t("mail.invitation_validity", { duration: describeDuration(facts.validityMs, locale) }),
        t("mail.ignore_unexpected"),
      ],
    },
    locale,
  );
}

/** To the owner of an address someone tried to sign up with: the account exists already. */
export function signupAddressTakenMail(
  settings: ServiceSettings,
  facts: {
    name: string;
    /** False for an account without a password (issue 24): sign in with the passkey. */
    hasPassword?: boolean | undefined;
  } & InLocale,
): MailContent {
  const locale = facts.locale ?? mailLocale(settings);
  const t = mailText(locale);
  return composeMail(
    settings,
    t("mail.signup_taken_subject"),
    {
      name: facts.name,
      paragraphs: [t("mail.signup_taken_body", { app: settings.appName, name: facts.name })],
      action: { label: t("mail.sign_in_action"), url: publicLink(settings, "/") },
      after: [
        t(
          facts.hasPassword === false
            ? "mail.signup_taken_passwordless"
            : "mail.signup_taken_forgot",
        ),
      ],
    },
    locale,
  );
}

/** To the address of a sign-up whose name is taken: choose another name. */
export function signupNameTakenMail(
  settings: ServiceSettings,
  facts: { name: string } & InLocale,
): MailContent {
  const locale = facts.locale ?? mailLocale(settings);
  const t = mailText(locale);
  return composeMail(
    settings,
    t("mail.signup_name_subject"),
    {
      paragraphs: [t("mail.signup_name_body", { app: settings.appName, name: facts.name })],
      action: { label: t("mail.signup_name_action"), url: publicLink(settings, "/signup") },
      after: [t("mail.ignore_not_you")],
    },
    locale,
  );
}

/**
 * The mail with the password reset link; to an account without a password (issue 24) it
 * offers a first password instead of a new one.
 */
export function passwordResetMail(
  settings: ServiceSettings,
  facts: { name: string; token: string; validityMs: number; hasPassword?: boolean } & InLocale,
): MailContent {
  const locale = facts.locale ?? mailLocale(settings);
  const t = mailText(locale);
  const first = facts.hasPassword === false;
  const duration = describeDuration(facts.validityMs, locale);
  return composeMail(
    settings,
    t(first ? "mail.reset_first_subject" : "mail.reset_subject"),
    {
      name: facts.name,
      paragraphs: [t(first ? "mail.reset_first_body" : "mail.reset_body")],
      action: {
        label: t(first ? "mail.reset_first_action" : "mail.reset_action"),
        url: publicLink(settings, "/reset-password", { token: facts.token }),
      },
      after: [t(first ? "mail.reset_first_validity" : "mail.reset_validity", { duration })],
    },
    locale,
  );
}
