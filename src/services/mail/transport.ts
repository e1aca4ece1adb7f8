/**
 * Where mail goes: an SMTP server (`TESSERA_SMTP_URL`, nodemailer), or without one the outbox,
 * `DATA_DIR/outbox/`, one `.eml` file per mail (RFC 5322, openable by any mail program) and one
 * log line naming the file, never its content.
 *
 * SMTP: `smtp://user:pass@host:port` upgrades with STARTTLS when the server offers it;
 * `smtps://…` is TLS from the first byte (RFC 8314). Certificates are checked in both.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";

/** A mail ready to send. */
export interface OutgoingMail {
  /** The queue row's id (names the outbox file). */
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends mail; `send` rejects when the mail was not accepted (the queue retries). */
export interface MailTransport {
  /** "smtp", "outbox", or what a host's own transport calls itself (for logs). */
  readonly kind: string;
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

/** Where a transport says what it did (the outbox's file names). */
export interface MailLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** Connecting to the SMTP server may take this long (nodemailer's default is 2 minutes). */
export const SMTP_CONNECTION_TIMEOUT_MS = 10_000;
/** The server's greeting, and each later reply, must come within these. */
export const SMTP_GREETING_TIMEOUT_MS = 10_000;
export const SMTP_SOCKET_TIMEOUT_MS = 30_000;
/** Ports when the URL has none: submission with STARTTLS, or implicit TLS (RFC 8314 §3.3). */
const DEFAULT_SMTP_PORT = 587;
const DEFAULT_SMTPS_PORT = 465;

/** Headers of every mail: automatic, so auto-responders stay quiet (RFC 3834 §5). */
const HEADERS = { "Auto-Submitted": "auto-generated" };

/** What nodemailer composes, for either transport. */
function message(from: string, mail: OutgoingMail) {
  return {
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: HEADERS,
  };
}

/**
 * A transport over the SMTP server of `url` (`smtp://` or `smtps://`, user and password
 * percent-encoded in the URL), sending as `from`.
 */
export function createSmtpTransport(url: string, from: string): MailTransport {
  const parsed = new URL(url);
  const secure = parsed.protocol === "smtps:";
  const transporter = nodemailer.createTransport({
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port:
      parsed.port === "" ? (secure ? DEFAULT_SMTPS_PORT : DEFAULT_SMTP_PORT) : Number(parsed.port),
    secure,
    // STARTTLS when offered (nodemailer's default for secure: false); certificates checked.
    tls: { rejectUnauthorized: true },
    connectionTimeout: SMTP_CONNECTION_TIMEOUT_MS,
    greetingTimeout: SMTP_GREETING_TIMEOUT_MS,
    socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
    ...(parsed.username === ""
      ? {}
      : {
          auth: {
            user: decodeURIComponent(parsed.username),
            pass: decodeURIComponent(parsed.password),
          },
        }),
  });
  return {
    kind: "smtp",
    async send(mail) {
      await transporter.sendMail(message(from, mail));
    },
    async close() {
      transporter.close();
    },
  };
}

/**
 * A transport that writes each mail to `dir` as `<time>-<id>.eml` (mode 0600: the mails hold
 * sign-in links) and logs the file's name.
 */
export function createOutboxTransport(
  dir: string,
  from: string,
  logger: MailLogger,
): MailTransport {
  const composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: "unix",
  });
  return {
    kind: "outbox",
    async send(mail) {
      const info = await composer.sendMail(message(from, mail));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      const file = join(dir, `${stamp}-${mail.id}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600, flag: "wx" });
      logger.info(`mail not sent (no TESSERA_SMTP_URL): written to ${file}`);
    },
    async close() {
      composer.close();
    },
  };
}
