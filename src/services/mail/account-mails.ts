/**
 * The mails of the account flows (issue 12, parts 3 to 5): address verification, the notice to
 * an address that was replaced, invitations, and the answers to a sign-up. Built with
 * `composeMail` like every mail; the links carry their token in the fragment (`publicLink`).
 */
import type { ServiceSettings } from "../context.js";
import { composeMail, describeDuration, publicLink, type MailContent } from "./templates.js";

/** "Confirm your email address": sent when an account gets an address (created, changed, asked again). */
export function verifyEmailMail(
  settings: ServiceSettings,
  facts: { name: string; email: string; token: string; validityMs: number },
): MailContent {
  return composeMail(settings, "Confirm your email address", {
    name: facts.name,
    paragraphs: [
      `Please confirm that ${facts.email} is your address for the ${settings.appName} account "${facts.name}".`,
    ],
    action: {
      label: "Confirm this address",
      url: publicLink(settings, "/verify-email", { token: facts.token }),
    },
    after: [
      `The link works once, for ${describeDuration(facts.validityMs)}.`,
      "If you did not ask for this, you can ignore this mail: nothing changes until the link is opened.",
    ],
  });
}

/** "Your email address was changed": to the old address when it is replaced. */
export function emailChangedNoticeMail(
  settings: ServiceSettings,
  facts: { name: string; oldEmail: string; newEmail: string; byAdmin: boolean },
): MailContent {
  return composeMail(settings, "Your email address was changed", {
    name: facts.name,
    paragraphs: [
      `The email address of your ${settings.appName} account "${facts.name}" was changed from ${facts.oldEmail} to ${facts.newEmail}${facts.byAdmin ? " by an administrator" : ""}.`,
      "Mails about the account, password reset links included, now go to the new address.",
    ],
    after: [
      "If you did not make this change, sign in and change your password, or contact your administrator at once.",
    ],
  });
}

/** "You are invited": an account made by an admin without a password. */
export function invitationMail(
  settings: ServiceSettings,
  facts: { name: string; token: string; validityMs: number },
): MailContent {
  return composeMail(settings, `You are invited to ${settings.appName}`, {
    name: facts.name,
    paragraphs: [
      `An administrator made an account named "${facts.name}" for you on ${settings.appName}. Choose your password to start using it.`,
    ],
    action: {
      label: "Choose your password",
      url: publicLink(settings, "/invitation", { token: facts.token }),
    },
    after: [
      `The link works once, for ${describeDuration(facts.validityMs)}. If it has expired, ask the administrator to send it again.`,
      "If you did not expect this, you can ignore this mail.",
    ],
  });
}

/** To the owner of an address someone tried to sign up with: the account exists already. */
export function signupAddressTakenMail(
  settings: ServiceSettings,
  facts: { name: string },
): MailContent {
  return composeMail(settings, "Someone tried to sign up with your address", {
    name: facts.name,
    paragraphs: [
      `Someone asked to create a ${settings.appName} account with this email address, which already belongs to your account "${facts.name}". No new account was made.`,
    ],
    action: { label: "Sign in", url: publicLink(settings, "/") },
    after: [
      'If it was you and you forgot your password, use "Forgot password" on the sign-in page. If it was not you, you can ignore this mail.',
    ],
  });
}

/** To the address of a sign-up whose name is taken: choose another name. */
export function signupNameTakenMail(
  settings: ServiceSettings,
  facts: { name: string },
): MailContent {
  return composeMail(settings, "Choose another name", {
    paragraphs: [
      `Someone, probably you, asked to create a ${settings.appName} account named "${facts.name}" with this email address. That name is taken, so no account was made.`,
    ],
    action: { label: "Sign up with another name", url: publicLink(settings, "/signup") },
    after: ["If it was not you, you can ignore this mail."],
  });
}
