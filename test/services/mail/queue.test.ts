/**
 * The durable mail queue (src/services/mail/queue.ts) against a real SMTP server in the test
 * process: sending, retries while the server refuses, giving up, restarts with mail pending,
 * and the outbox when no SMTP server is configured; on SQLite and PostgreSQL.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { frozenClock } from "../../../src/core/clock.js";
import { createMetrics } from "../../../src/services/metrics.js";
import {
  enqueueMail,
  mailRetryDelayMs,
  startMailWorker,
} from "../../../src/services/mail/queue.js";
import { createSmtpTransport } from "../../../src/services/mail/transport.js";
import { createTessera } from "../../../src/runtime.js";
import { getQueuedMail } from "../../../src/store/index.js";
import { openTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { testConfig } from "../../helpers/server.js";
import { parseMail, startTestSmtpServer, type TestSmtpServer } from "../../helpers/smtp.js";
import { describeStore } from "../../helpers/store.js";

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
const MAIL = {
  to: "alice@example.org",
  subject: "Hi",
  text: "Hello <b>",
  html: "<p>Hello &lt;b&gt;</p>",
};

function recordingLogger() {
  const lines: string[] = [];
  return {
    lines,
    info: (message: string) => lines.push(`info ${message}`),
    warn: (message: string) => lines.push(`warn ${message}`),
  };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeStore("mail queue worker", { database: false }, ({ dialect }) => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    smtp = await startTestSmtpServer();
  });
  afterAll(async () => {
    await smtp.close();
    await database.cleanup();
  });

  it("sends a queued mail over SMTP from TESSERA_MAIL_FROM, without waiting for it", async () => {
    const clock = frozenClock(T0);
    const tessera = await createTessera(
      testConfig({ TESSERA_SMTP_URL: smtp.url, TESSERA_MAIL_FROM: "Tessera <auth@tessera.test>" }),
      { database, clock, mailPollIntervalMs: 50 },
    );
    try {
      const id = await enqueueMail(tessera.ctx, { ...MAIL, to: `sent-${dialect}@example.org` });
      const mail = await smtp.waitForMail((m) => m.to.includes(`sent-${dialect}@example.org`));
      expect(mail.envelopeFrom).toBe("auth@tessera.test");
      expect(mail.headers.from).toBe("Tessera <auth@tessera.test>");
      expect(mail.headers["auto-submitted"]).toBe("auto-generated");
      expect(mail.subject).toBe("Hi");
      expect(mail.text).toBe("Hello <b>");
      expect(mail.html).toBe("<p>Hello &lt;b&gt;</p>");
      const row = await until(async () => {
        const r = await getQueuedMail(database.db, id);
        return r?.status === "sent" ? r : undefined;
      });
      expect(row).toMatchObject({ attempts: 1, sentAt: new Date(T0) });
    } finally {
      await tessera.close();
    }
  });

  it("retries with a growing wait while the server refuses, then sends once it accepts", async () => {
    const clock = frozenClock(T0);
    const tessera = await createTessera(testConfig({ TESSERA_SMTP_URL: smtp.url }), {
      database,
      clock,
      mailPollIntervalMs: 50,
    });
    const to = `retry-${dialect}@example.org`;
    try {
      smtp.refuse(true);
      const id = await enqueueMail(tessera.ctx, { ...MAIL, to });
      const first = await until(async () => {
        const r = await getQueuedMail(database.db, id);
        return r?.attempts === 1 && r.lastError !== null ? r : undefined;
      });
      expect(first.status).toBe("pending");
      expect(first.lastError).toContain("451");
      expect(first.nextAttemptAt.getTime()).toBe(T0 + mailRetryDelayMs(1));
      // Not due yet: nothing is tried.
      await tessera.mail.runOnce();
      expect((await getQueuedMail(database.db, id))?.attempts).toBe(1);
      clock.advance(mailRetryDelayMs(1));
      await tessera.mail.runOnce();
      const second = await getQueuedMail(database.db, id);
      expect(second).toMatchObject({ attempts: 2, status: "pending" });
      expect(second?.nextAttemptAt.getTime()).toBe(clock() + mailRetryDelayMs(2));
      expect(mailRetryDelayMs(2)).toBe(2 * mailRetryDelayMs(1));

      smtp.refuse(false);
      clock.advance(mailRetryDelayMs(2));
      await tessera.mail.runOnce();
      expect(smtp.mailsTo(to)).toHaveLength(1);
      expect(await getQueuedMail(database.db, id)).toMatchObject({ status: "sent", attempts: 3 });
      const metrics =
        (await tessera.metrics?.registry.getSingleMetricAsString("tessera_mail_total")) ?? "";
      expect(metrics).toContain('tessera_mail_total{result="retry"} 2');
      expect(metrics).toContain('tessera_mail_total{result="sent"} 1');
    } finally {
      smtp.refuse(false);
      await tessera.close();
    }
  });

  it("gives a mail up after the last attempt: failed, logged and counted", async () => {
    const clock = frozenClock(T0);
    const logger = recordingLogger();
    const metrics = createMetrics();
    smtp.refuse(true);
    const to = `gives-up-${dialect}@example.org`;
    const worker = startMailWorker({
      db: database.db,
      transport: createSmtpTransport(smtp.url, "a@tessera.test"),
      clock,
      logger,
      metrics,
      maxAttempts: 3,
      pollIntervalMs: 60_000,
    });
    try {
      const id = await enqueueMail({ ...fakeContext(database, clock) }, { ...MAIL, to });
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        await worker.runOnce();
        expect((await getQueuedMail(database.db, id))?.attempts).toBe(attempt);
        clock.advance(mailRetryDelayMs(attempt));
      }
      expect(await getQueuedMail(database.db, id)).toMatchObject({ status: "failed", attempts: 3 });
      expect(logger.lines.filter((l) => l.includes(id))).toEqual([
        expect.stringMatching(/^warn mail .* not delivered after 3 attempts: .*451/),
      ]);
      // The log names the row, never the recipient's mail.
      expect(logger.lines.join("\n")).not.toContain("Hello");
      const counted = await metrics.registry.getSingleMetricAsString("tessera_mail_total");
      expect(counted).toContain('tessera_mail_total{result="failed"} 1');
      clock.advance(24 * 3_600_000);
      await worker.runOnce();
      expect(smtp.mailsTo(to)).toEqual([]);
    } finally {
      smtp.refuse(false);
      await worker.close();
    }
  });

  it("sends after a restart the mail an earlier instance could not send", async () => {
    const clock = frozenClock(T0);
    const to = `restart-${dialect}@example.org`;
    smtp.refuse(true);
    const before = await createTessera(testConfig({ TESSERA_SMTP_URL: smtp.url }), {
      database,
      clock,
      mailPollIntervalMs: 50,
    });
    let id: string;
    try {
      id = await enqueueMail(before.ctx, { ...MAIL, to });
      await until(async () =>
        (await getQueuedMail(database.db, id))?.attempts === 1 ? true : undefined,
      );
    } finally {
      await before.close();
    }
    smtp.refuse(false);
    clock.advance(mailRetryDelayMs(1));
    const after = await createTessera(testConfig({ TESSERA_SMTP_URL: smtp.url }), {
      database,
      clock,
      mailPollIntervalMs: 50,
    });
    try {
      const mail = await smtp.waitForMail((m) => m.to.includes(to));
      expect(mail.subject).toBe("Hi");
      expect(smtp.mailsTo(to)).toHaveLength(1);
    } finally {
      await after.close();
    }
  });

  it("logs in to an SMTP server that asks for a user and password", async () => {
    const guarded = await startTestSmtpServer({ auth: { user: "tessera@x", pass: "s3cret:/@" } });
    const clock = frozenClock(T0);
    const tessera = await createTessera(testConfig({ TESSERA_SMTP_URL: guarded.url }), {
      database,
      clock,
      mailPollIntervalMs: 50,
    });
    try {
      await enqueueMail(tessera.ctx, { ...MAIL, to: `auth-${dialect}@example.org` });
      expect((await guarded.waitForMail()).to).toEqual([`auth-${dialect}@example.org`]);
    } finally {
      await tessera.close();
      await guarded.close();
    }
  });

  it("writes mail to DATA_DIR/outbox without an SMTP server, logging the file's name only", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tessera-outbox-"));
    const logger = recordingLogger();
    const clock = frozenClock(T0);
    const tessera = await createTessera(testConfig({ TESSERA_DATA_DIR: dataDir }), {
      database,
      clock,
      logger,
      mailPollIntervalMs: 50,
    });
    try {
      const secret = "https://tessera.test/reset-password#token=abc";
      await enqueueMail(tessera.ctx, {
        ...MAIL,
        to: `outbox-${dialect}@example.org`,
        text: `Open ${secret}`,
      });
      const files = await until(async () => {
        const names = await readdir(join(dataDir, "outbox")).catch(() => []);
        return names.length > 0 ? names : undefined;
      });
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      const written = parseMail(await readFile(join(dataDir, "outbox", files[0]!), "utf8"));
      expect(written.headers.to).toBe(`outbox-${dialect}@example.org`);
      expect(written.links).toEqual([secret]);
      const lines = await until(async () => (logger.lines.length > 0 ? logger.lines : undefined));
      expect(lines).toEqual([
        `info mail not sent (no TESSERA_SMTP_URL): written to ${join(dataDir, "outbox", files[0]!)}`,
      ]);
    } finally {
      await tessera.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("warns at start in production that mail is not delivered without SMTP", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tessera-outbox-"));
    const logger = recordingLogger();
    const tessera = await createTessera(
      testConfig({
        NODE_ENV: "production",
        TESSERA_PUBLIC_URL: "https://auth.example.com",
        TESSERA_DATA_DIR: dataDir,
      }),
      { database, logger, clock: frozenClock(T0) },
    );
    await tessera.close();
    await rm(dataDir, { recursive: true, force: true });
    expect(logger.lines).toContain(
      `warn TESSERA_SMTP_URL is not set: mail is not delivered, only written to ${join(dataDir, "outbox")}`,
    );
  });
});

/** The least of a services context `enqueueMail` reads. */
function fakeContext(database: TestDatabase, clock: () => number) {
  return { db: database.db, clock } as unknown as Parameters<typeof enqueueMail>[0];
}
