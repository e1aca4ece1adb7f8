/**
 * Following the links of the mails the test SMTP server received: the token of a
 * `PUBLIC_URL/page#token=…` link, as the page reads it from the fragment.
 */
import type { ReceivedMail, TestSmtpServer } from "./smtp.js";

/** The first link of `mail` to `path` (e.g. "/verify-email"). @throws when there is none. */
export function linkTo(mail: ReceivedMail, path: string): URL {
  const found = mail.links.map((link) => new URL(link)).find((url) => url.pathname === path);
  if (found === undefined) throw new Error(`no link to ${path} in ${mail.subject}`);
  return found;
}

/** The token in the fragment of `mail`'s link to `path`. */
export function tokenFrom(mail: ReceivedMail, path: string): string {
  const token = new URLSearchParams(linkTo(mail, path).hash.slice(1)).get("token");
  if (token === null) throw new Error(`no token in the link to ${path}`);
  return token;
}

/**
 * The `n`-th mail (1 = the first) to `address` whose subject contains `subject`, waiting for it
 * to arrive. @throws after `timeoutMs`.
 */
export async function mailTo(
  smtp: TestSmtpServer,
  address: string,
  subject: string,
  n = 1,
  timeoutMs = 10_000,
): Promise<ReceivedMail> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = smtp.mailsTo(address).filter((m) => m.subject.includes(subject));
    const mail = found[n - 1];
    if (mail !== undefined) return mail;
    if (Date.now() > end) {
      throw new Error(`mail ${n} "${subject}" to ${address} did not come (${found.length} came)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** How many mails to `address` have a subject containing `subject` (after a pause for stragglers). */
export async function countMailsTo(
  smtp: TestSmtpServer,
  address: string,
  subject: string,
  settleMs = 400,
): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return smtp.mailsTo(address).filter((m) => m.subject.includes(subject)).length;
}
