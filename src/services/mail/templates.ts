/**
 * The mails' words: each template is a function from its facts to a subject, a plain-text
 * body and an HTML body (every value escaped), built by `composeMail` so all mails look alike.
 * Links are made by `publicLink` from `settings.publicUrl` (`TESSERA_PUBLIC_URL`), never from
 * a request's Host header, which an attacker chooses (password-reset poisoning).
 *
 * A new mail: write a function here that returns `composeMail(settings, subject, body)`, then
 * `await enqueueMail(ctx, { to, ...yourMail(settings, facts) })` where the event happens.
 */
import { MINUTE_MS } from "../../core/clock.js";
import type { ServiceSettings } from "../context.js";

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

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
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

/** Builds the subject (prefixed with the app's name), the text and the HTML of a mail. */
export function composeMail(
  settings: ServiceSettings,
  subject: string,
  body: MailBody,
): MailContent {
  const app = settings.appName;
  const greeting = body.name === undefined ? "Hello," : `Hello ${body.name},`;
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
        `<p style="margin:0 0 16px;font-size:13px;color:#555555">${escapeHtml("Or open this address:")}<br><span style="word-break:break-all">${escapeHtml(body.action.url)}</span></p>`;
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
  return { subject: `${app}: ${subject}`, text, html };
}

/** "30 minutes", "1 hour", "7 days". */
export function describeDuration(ms: number): string {
  const minutes = Math.round(ms / MINUTE_MS);
  if (minutes < 120) return minutes === 1 ? "1 minute" : `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}
