/**
 * The mails' words: each template is a function from its facts to a subject, a plain-text
 * body and an HTML body (every value escaped), built by `composeMail` so all mails look alike.
 * Links are made by `publicLink` from `settings.publicUrl` (`TESSERA_PUBLIC_URL`), never from
 * a request's Host header, which an attacker chooses (password-reset poisoning).
 *
 * A new mail: write a function here that returns `composeMail(settings, subject, body, locale)`,
 * then `await enqueueMail(ctx, { to, ...yourMail(settings, facts) })` where the event happens.
 *
 * Languages (issue 24 item 3): every word comes from the catalogue (`mail.` keys of
 * `src/contract/messages/`), in the recipient's saved language, else the language of the request
 * that caused the mail (`meta.locale`, its Accept-Language), else `TESSERA_DEFAULT_LOCALE`
 * (`mailLocale`). Dates and counts go through `Intl` in that language. What is not a message
 * (the app's name, links, addresses, names) is a placeholder's value or the footer's app name.
 */
import { escapeHtml } from "../../core/html.js";
import { MINUTE_MS } from "../../core/clock.js";
import {
  isLocale,
  PSEUDO_LOCALE,
  SOURCE_LOCALE,
  translate,
  type MessageValues,
} from "../../core/i18n.js";
import type { RequestMeta, ServiceSettings } from "../context.js";

/** A rendered mail, ready for `enqueueMail` with a recipient. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** A button in the HTML and a labelled URL in the text. */
export interface MailAction {
  label: string;
  url: string;
}

/** What a mail says: a greeting, paragraphs, an optional action, then closing paragraphs. */
export interface MailBody {
  /** The account's name, for "Hello NAME,"; omitted: "Hello,". */
  name?: string;
  paragraphs: readonly string[];
  action?: MailAction;
  /** Paragraphs after the action (what to do if this was not you, how long a link lives). */
  after?: readonly string[];
}

/** Who a mail goes to, as far as its language and words go. */
export interface MailRecipient {
  /** The language the person chose, or null / absent: none. */
  readonly locale?: string | null | undefined;
}

/**
 * The language of a mail: the recipient's saved one, else the language of the request that
 * caused it (`meta.locale`), else the server's default (`TESSERA_DEFAULT_LOCALE`).
 */
export function mailLocale(
  settings: ServiceSettings,
  recipient?: MailRecipient | null,
  meta?: RequestMeta | null,
): string {
  for (const each of [recipient?.locale, meta?.locale]) {
    if (isLocale(each)) return each;
  }
  const fallback = (settings as Partial<ServiceSettings>).defaultLocale;
  return fallback !== undefined && isLocale(fallback) ? fallback : SOURCE_LOCALE;
}

/** A translator of `mail.` messages in one language: `t("mail.greeting", { name })`. */
export function mailText(locale: string): (key: string, values?: MessageValues) => string {
  return (key, values) => translate(locale, key, values);
}

/**
 * Whether the account has a password (false: passkey-first, issue 24), from a stored user
 * (`passwordHash`) or the public view (`hasPassword`); unknown counts as yes.
 */
export function recipientHasPassword(user: {
  readonly hasPassword?: boolean | undefined;
  readonly passwordHash?: string | null | undefined;
}): boolean {
  if (user.hasPassword !== undefined) return user.hasPassword;
  return user.passwordHash !== null;
}

/** A moment in a mail, in its language: the date and the time in UTC (`Intl`). */
export function formatMailDate(locale: string, atMs: number): string {
  return new Intl.DateTimeFormat(locale === PSEUDO_LOCALE ? SOURCE_LOCALE : locale, {
    dateStyle: "long",
    timeStyle: "long",
    timeZone: "UTC",
  }).format(new Date(atMs));
}

/**
 * A link into the app: `publicUrl` + `path`, with `fragment` as `#key=value&…`. Secrets go in
 * the fragment: browsers never send it to the server, so it stays out of access logs and
 * Referer headers. @throws TypeError when the settings have no public URL.
 */
export function publicLink(
  settings: ServiceSettings,
  path: string,
  fragment?: Record<string, string>,
): string {
  if (settings.publicUrl === undefined) throw new TypeError("Mail links need settings.publicUrl");
  const hash =
    fragment === undefined ? "" : `#${new URLSearchParams(Object.entries(fragment)).toString()}`;
  return `${settings.publicUrl}${path}${hash}`;
}

/**
 * Builds the subject (prefixed with the app's name), the text and the HTML of a mail; the
 * greeting and the frame in `locale`, the subject and paragraphs as given (already in it).
 */
export function composeMail(
  settings: ServiceSettings,
  subject: string,
  body: MailBody,
  locale: string = SOURCE_LOCALE,
): MailContent {
  const t = mailText(locale);
  const app = settings.appName;
  const greeting =
    body.name === undefined
      ? t("mail.greeting_anonymous")
      : t("mail.greeting", { name: body.name });
  const after = body.after ?? [];
  const text = [
    greeting,
    ...body.paragraphs,
    ...(body.action === undefined ? [] : [`${body.action.label}:\n${body.action.url}`]),
    ...after,
    `-- \n${app}`,
  ].join("\n\n");
  const paragraph = (p: string) => `<p style="margin:0 0 16px">${escapeHtml(p)}</p>`;
  const action =
    body.action === undefined
      ? ""
      : `<p style="margin:24px 0"><a href="${escapeHtml(body.action.url)}" style="background:#1f4fd1;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(body.action.label)}</a></p>` +
        `<p style="margin:0 0 16px;font-size:13px;color:#555555">${escapeHtml(t("mail.open_address"))}<br><span style="word-break:break-all">${escapeHtml(body.action.url)}</span></p>`;
  const html = [
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    `<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:15px;line-height:1.5;color:#1a1a1a;max-width:560px;margin:0 auto;padding:24px">`,
    paragraph(greeting),
    ...body.paragraphs.map(paragraph),
    action,
    ...after.map(paragraph),
    `<p style="margin:32px 0 0;font-size:13px;color:#555555">${escapeHtml(app)}</p>`,
    `</body></html>`,
  ].join("\n");
  return { subject: t("mail.subject", { app, subject }), text, html };
}

/** "30 minutes", "24 hours", "7 days", in `locale` (ICU plurals). */
export function describeDuration(ms: number, locale: string = SOURCE_LOCALE): string {
  const t = mailText(locale);
  const minutes = Math.round(ms / MINUTE_MS);
  if (minutes < 120) return t("mail.duration_minutes", { count: minutes });
  const hours = Math.round(minutes / 60);
  if (hours < 48) return t("mail.duration_hours", { count: hours });
  return t("mail.duration_days", { count: Math.round(hours / 24) });
}
