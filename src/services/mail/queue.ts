/**
 * The durable mail queue (issue 12). `enqueueMail` writes a row (in the caller's transaction
 * when `ctx.db` is one) and returns at once: no response ever waits on an SMTP server. The
 * worker `startMailWorker` (made and closed by `createTessera`) claims due rows with a lease,
 * sends them, and on a failure tries again later with an exponential backoff, up to
 * `maxAttempts`; then the row is "failed", logged and counted. Rows outlive restarts: a mail
 * queued before a crash is sent by the next start, by this instance or any other sharing the
 * database. Delivery is at least once: a worker that dies after the server accepted a mail but
 * before it wrote "sent" leaves the row to be sent again when its lease lapses.
 */
import { randomBytes } from "node:crypto";
import { DAY_MS, HOUR_MS, type Clock } from "../../core/clock.js";
import {
  claimDueMail,
  deleteExpiredEmailTokens,
  deleteOldMail,
  deleteStaleDevices,
  insertMail,
  markMailFailed,
  markMailSent,
  type DatabaseHandle,
  type QueuedMail,
} from "../../store/index.js";
import type { MailQueue, ServiceContext } from "../context.js";
import type { TesseraMetrics } from "../metrics.js";
import type { MailLogger, MailTransport } from "./transport.js";

/** A mail to queue: the rendered template (see templates.ts) and its recipient. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** How often the worker looks for due mail when nothing woke it. */
export const DEFAULT_MAIL_POLL_INTERVAL_MS = 2_000;
/** A claimed row is the claimer's this long; then another worker may send it. */
export const DEFAULT_MAIL_LEASE_MS = 120_000;
/** Attempts before a mail is given up ("failed"): about 10 hours of tries with the backoff. */
export const DEFAULT_MAIL_MAX_ATTEMPTS = 10;
/** Wait after the first failure, doubled after each further one, at most the maximum. */
export const DEFAULT_MAIL_RETRY_BASE_MS = 30_000;
export const DEFAULT_MAIL_RETRY_MAX_MS = 2 * HOUR_MS;
/** Rows claimed per round. */
const BATCH_SIZE = 10;
/** Sent and failed rows are deleted after this long (their bodies hold links). */
export const MAIL_RETENTION_MS = 7 * DAY_MS;
/** Expired email tokens are deleted after this long (kept a while for support questions). */
const EXPIRED_TOKEN_RETENTION_MS = 7 * DAY_MS;
/** Devices not seen for a year are forgotten. */
const DEVICE_RETENTION_MS = 366 * DAY_MS;
const SWEEP_INTERVAL_MS = HOUR_MS;

/**
 * Runs `task` after the caller answers (`ctx.mail.defer`): the flows whose answer must not
 * depend on whether the account exists. Without a worker (`ctx.mail` absent), at once.
 */
export async function afterAnswer(ctx: ServiceContext, task: () => Promise<void>): Promise<void> {
  if (ctx.mail === undefined) await task();
  else ctx.mail.defer(task);
}

/**
 * Queues a mail: one INSERT through `ctx.db`, so inside a transaction it commits or rolls back
 * with the change it reports. Wakes the worker (call `ctx.mail?.wake()` again after your commit
 * if the wake-up may come before it). Returns the row's id.
 */
export async function enqueueMail(ctx: ServiceContext, mail: MailMessage): Promise<string> {
  const id = await insertMail(ctx.db, { ...mail, recipient: mail.to, nowMs: ctx.clock() });
  ctx.mail?.wake();
  return id;
}

/** The wait before attempt `attempts + 1`, after `attempts` failed ones. */
export function mailRetryDelayMs(
  attempts: number,
  baseMs: number = DEFAULT_MAIL_RETRY_BASE_MS,
  maxMs: number = DEFAULT_MAIL_RETRY_MAX_MS,
): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export interface MailWorkerOptions {
  db: DatabaseHandle;
  transport: MailTransport;
  clock: Clock;
  logger: MailLogger;
  metrics?: TesseraMetrics;
  /** Default DEFAULT_MAIL_POLL_INTERVAL_MS. */
  pollIntervalMs?: number;
  /**
   * false: no round of its own (no poll, no `wake()`), only `runOnce()`. For one-shot operator
   * commands: the server's worker sends what they queue, and they never claim its mail.
   * Default true.
   */
  polling?: boolean;
  /** Default DEFAULT_MAIL_LEASE_MS. */
  leaseMs?: number;
  /** Default DEFAULT_MAIL_MAX_ATTEMPTS. */
  maxAttempts?: number;
  /** Default DEFAULT_MAIL_RETRY_BASE_MS. */
  retryBaseMs?: number;
  /** Default DEFAULT_MAIL_RETRY_MAX_MS. */
  retryMaxMs?: number;
}

/** The running worker: the flows' `MailQueue`, plus a round on demand and `close`. */
export interface MailWorker extends MailQueue {
  /** One round now: claims and sends what is due; resolves with how many were sent. */
  runOnce(): Promise<number>;
  /** Stops polling, waits for the round in progress and deferred work, closes the transport. */
  close(): Promise<void>;
}

/** Starts the worker: a round at once, then every poll interval and on every `wake()`. */
export function startMailWorker(options: MailWorkerOptions): MailWorker {
  const { db, transport, clock, logger, metrics } = options;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_MAIL_POLL_INTERVAL_MS;
  const leaseMs = options.leaseMs ?? DEFAULT_MAIL_LEASE_MS;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAIL_MAX_ATTEMPTS;
  const retryBaseMs = options.retryBaseMs ?? DEFAULT_MAIL_RETRY_BASE_MS;
  const retryMaxMs = options.retryMaxMs ?? DEFAULT_MAIL_RETRY_MAX_MS;
  // Each worker has its own name for its leases.
  const owner = randomBytes(9).toString("base64url");
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | null = null;
  let again = false;
  let lastSweepMs = 0;
  let warnedDown = false;
  const deferred = new Set<Promise<void>>();

  async function sendOne(mail: QueuedMail): Promise<boolean> {
    try {
      await transport.send({
        id: mail.id,
        to: mail.recipient,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
    } catch (error) {
      const reason = describeError(error);
      const giveUp = mail.attempts >= maxAttempts;
      const retryAtMs = giveUp
        ? null
        : clock() + mailRetryDelayMs(mail.attempts, retryBaseMs, retryMaxMs);
      await markMailFailed(db, mail.id, owner, { error: reason, retryAtMs });
      if (giveUp) {
        metrics?.mail("failed");
        logger.warn(`mail ${mail.id} not delivered after ${mail.attempts} attempts: ${reason}`);
      } else {
        metrics?.mail("retry");
      }
      return false;
    }
    await markMailSent(db, mail.id, owner, clock());
    metrics?.mail("sent");
    return true;
  }

  async function round(): Promise<number> {
    let sent = 0;
    for (;;) {
      const batch = await claimDueMail(db, {
        owner,
        nowMs: clock(),
        leaseMs,
        limit: BATCH_SIZE,
      });
      for (const mail of batch) {
        if (await sendOne(mail)) sent += 1;
      }
      if (batch.length < BATCH_SIZE || closed) break;
    }
    const nowMs = clock();
    if (nowMs - lastSweepMs >= SWEEP_INTERVAL_MS) {
      lastSweepMs = nowMs;
      await deleteOldMail(db, nowMs - MAIL_RETENTION_MS);
      await deleteExpiredEmailTokens(db, nowMs - EXPIRED_TOKEN_RETENTION_MS);
      await deleteStaleDevices(db, nowMs - DEVICE_RETENTION_MS);
    }
    return sent;
  }

  function schedule(delayMs: number): void {
    if (closed || options.polling === false) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), delayMs);
    timer.unref();
  }

  function run(): Promise<number> {
    if (running !== null) {
      again = true;
      return running;
    }
    clearTimeout(timer);
    running = round()
      .then(
        (sent) => {
          warnedDown = false;
          return sent;
        },
        (error: unknown) => {
          // The database is down or slow: the rows wait; say so once, not every poll.
          if (!warnedDown) logger.warn(`mail queue unavailable: ${describeError(error)}`);
          warnedDown = true;
          return 0;
        },
      )
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          schedule(0);
        } else {
          schedule(pollIntervalMs);
        }
      });
    return running;
  }

  schedule(0);
  return {
    wake() {
      if (!closed) schedule(0);
    },
    defer(task) {
      if (closed) return;
      // Started after the current request's answer is written, not in its way: a timer, not
      // setImmediate, which still ran inside the answer's time. Measured with
      // `BENCH_PAUSE_MS=5 npx tsx bench/forgot-password.ts` (known ÷ unknown account, median
      // of 1,000 pairs): setImmediate 1.20–1.25, this 1.04–1.05.
      const done: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, 0))
        .then(task)
        .catch((error: unknown) => logger.warn(`mail task failed: ${describeError(error)}`))
        .finally(() => deferred.delete(done));
      deferred.add(done);
    },
    async runOnce() {
      // A round already running may have looked before the caller's mail was queued.
      while (running !== null) await running;
      return run();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await Promise.all([...deferred]);
      await running;
      await transport.close();
    },
  };
}

/** An error's message for the row and the log: the SMTP reply, never a mail's content. */
function describeError(error: unknown): string {
  if (error instanceof Error) {
    const { code, responseCode } = error as Error & { code?: unknown; responseCode?: unknown };
    const prefix = [code, responseCode].filter((part) => part !== undefined).join(" ");
    return (prefix === "" ? error.message : `${prefix}: ${error.message}`).slice(0, 500);
  }
  return String(error).slice(0, 500);
}
