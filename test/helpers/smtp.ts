/**
 * A real SMTP server in the test process (the `smtp-server` package) on a free port of
 * 127.0.0.1, recording every mail it accepts, parsed enough for tests: To, Subject, the plain
 * text and HTML parts, and the links in the text. It can refuse mail for a while with a
 * temporary error (451, RFC 5321 §4.2.1) to test the queue's retries.
 *
 *   const smtp = await startTestSmtpServer();
 *   const server = await startTestServer(dialect, { env: { TESSERA_SMTP_URL: smtp.url } });
 *   const mail = await smtp.waitForMail((m) => m.to.includes(user.email));
 *   const link = mail.links[0];
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import type { MailTransport } from "../../src/services/mail/transport.js";

/** A mail as the test server received it. */
export interface ReceivedMail {
  /** The envelope's MAIL FROM. */
  envelopeFrom: string;
  /** The envelope's RCPT TO addresses, lowercase. */
  to: string[];
  /** Header values by lowercase name (unfolded, encoded words decoded). */
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
  /** http(s) links in the plain text, in order. */
  links: string[];
  raw: string;
}

export interface TestSmtpServer {
  /** `smtp://[user:pass@]127.0.0.1:PORT` for TESSERA_SMTP_URL. */
  readonly url: string;
  readonly port: number;
  /** Every accepted mail, oldest first. */
  readonly mails: ReceivedMail[];
  /** Attempts refused so far (while refusing). */
  readonly refused: number;
  /** true: answer every MAIL FROM with 451 (temporary) until set back to false. */
  refuse(on: boolean): void;
  /** The first accepted mail (already received or coming) that matches; rejects after `timeoutMs`. */
  waitForMail(match?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Accepted mails to `address`. */
  mailsTo(address: string): ReceivedMail[];
  close(): Promise<void>;
}

/** Starts the server; with `auth`, clients must log in with that user and password. */
export async function startTestSmtpServer(
  options: { auth?: { user: string; pass: string } } = {},
): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let refusing = false;
  let refused = 0;
  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offered (the client checks certificates).
    disabledCommands: options.auth === undefined ? ["STARTTLS", "AUTH"] : ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: options.auth === undefined,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok =
        options.auth !== undefined &&
        auth.username === options.auth.user &&
        auth.password === options.auth.pass;
      if (!ok) callback(new Error("Invalid username or password"));
      else callback(null, { user: auth.username });
    },
    onMailFrom(_address, _session, callback) {
      if (refusing) {
        refused += 1;
        callback(Object.assign(new Error("Try again later"), { responseCode: 451 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const envelopeFrom =
          session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address;
        mails.push({
          ...parseMail(raw),
          envelopeFrom,
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          raw,
        });
        for (const wake of [...waiters]) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  const credentials =
    options.auth === undefined
      ? ""
      : `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`;
  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    mails,
    get refused() {
      return refused;
    },
    refuse(on) {
      refusing = on;
    },
    waitForMail(match = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = mails.find(match);
          if (found === undefined) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${mails.length} received)`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    mailsTo(address) {
      return mails.filter((m) => m.to.includes(address.toLowerCase()));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers, subject, text and HTML of a MIME message (what nodemailer writes). */
export function parseMail(
  raw: string,
): Pick<ReceivedMail, "headers" | "subject" | "text" | "html" | "links"> {
  const { headers, body } = splitHeaders(raw);
  const parts = leafParts(headers, body);
  const text = parts.find((p) => p.type === "text/plain")?.content ?? "";
  const html = parts.find((p) => p.type === "text/html")?.content ?? "";
  return {
    headers,
    subject: headers.subject ?? "",
    text,
    html,
    links: [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]),
  };
}

function splitHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const normalized = raw.replace(/\r\n/g, "\n");
  const end = normalized.indexOf("\n\n");
  const head = end < 0 ? normalized : normalized.slice(0, end);
  const body = end < 0 ? "" : normalized.slice(end + 2);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function leafParts(
  headers: Record<string, string>,
  body: string,
): Array<{ type: string; content: string }> {
  const contentType = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (/^multipart\//i.test(contentType) && boundary !== undefined) {
    return body
      .split(`--${boundary}`)
      .slice(1)
      .filter((part) => !part.startsWith("--"))
      .flatMap((part) => {
        const inner = splitHeaders(part.replace(/^\n/, ""));
        return leafParts(inner.headers, inner.body);
      });
  }
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  let content: string;
  if (encoding === "quoted-printable") content = decodeQuotedPrintable(body);
  else if (encoding === "base64") content = Buffer.from(body, "base64").toString("utf8");
  else content = body;
  return [{ type, content: content.replace(/\n$/, "") }];
}

function decodeQuotedPrintable(value: string): string {
  const soft = value.replace(/=\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i += 1) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i]!, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) in a header value. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(
      /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g,
      (_all, _charset: string, kind: string, text: string) =>
        kind.toUpperCase() === "B"
          ? Buffer.from(text, "base64").toString("utf8")
          : decodeQuotedPrintable(text.replace(/_/g, " ")),
    );
}

/** A transport that accepts and forgets every mail: for tests that do not read mail. */
export function createDiscardMailTransport(): MailTransport {
  return { kind: "discard", send: async () => undefined, close: async () => undefined };
}
