/**
 * The `mail_queue` table (src/store/mail-queue.ts): claims are leases taken by a conditional
 * UPDATE, so concurrent workers never share a row; a lapsed lease frees the row again.
 */
import { expect, it } from "vitest";
import {
  claimDueMail,
  countQueuedMail,
  deleteOldMail,
  getQueuedMail,
  insertMail,
  markMailFailed,
  markMailSent,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW = new Date(Date.UTC(2026, 10, 28, 12, 0, 0, 0));
const NOW_MS = NOW.getTime();
const later = (ms: number) => new Date(NOW.getTime() + ms);
const mail = (n: number) => ({
  recipient: `r${n}@example.org`,
  subject: `s${n}`,
  text: "t",
  html: "<p>t</p>",
  nowMs: NOW_MS,
});

describeStore("mail queue", (database) => {
  it("hands each due row to exactly one of several concurrent claimers", async () => {
    for (let n = 0; n < 20; n += 1) await insertMail(database.db, mail(n));
    const claims = await Promise.all(
      ["a", "b", "c", "d"].map((owner) =>
        claimDueMail(database.db, { owner, nowMs: NOW_MS, leaseMs: 60_000, limit: 20 }),
      ),
    );
    const ids = claims.flat().map((m) => m.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(claims.flat().every((m) => m.attempts === 1)).toBe(true);
  });

  it("frees a row when its lease lapses, and only the holder may settle it", async () => {
    const id = await insertMail(database.db, mail(1));
    const [first] = await claimDueMail(database.db, {
      owner: "a",
      nowMs: NOW_MS,
      leaseMs: 1_000,
      limit: 5,
    });
    expect(first?.id).toBe(id);
    expect(
      await claimDueMail(database.db, {
        owner: "b",
        nowMs: NOW_MS + 999,
        leaseMs: 1_000,
        limit: 5,
      }),
    ).toEqual([]);
    const [again] = await claimDueMail(database.db, {
      owner: "b",
      nowMs: NOW_MS + 1_001,
      leaseMs: 1_000,
      limit: 5,
    });
    expect(again).toMatchObject({ id, attempts: 2 });
    expect(await markMailSent(database.db, id, "a", NOW_MS + 1_002)).toBe(false);
    expect(await markMailSent(database.db, id, "b", NOW_MS + 1_002)).toBe(true);
    expect(await getQueuedMail(database.db, id)).toMatchObject({
      status: "sent",
      sentAt: later(1_002),
    });
  });

  it("retries a failed row when due and gives it up when told", async () => {
    const id = await insertMail(database.db, mail(2));
    await claimDueMail(database.db, { owner: "a", nowMs: NOW_MS, leaseMs: 60_000, limit: 5 });
    await markMailFailed(database.db, id, "a", { error: "451 later", retryAtMs: NOW_MS + 30_000 });
    expect(
      await claimDueMail(database.db, {
        owner: "a",
        nowMs: NOW_MS + 29_999,
        leaseMs: 60_000,
        limit: 5,
      }),
    ).toEqual([]);
    const [retry] = await claimDueMail(database.db, {
      owner: "a",
      nowMs: NOW_MS + 30_000,
      leaseMs: 60_000,
      limit: 5,
    });
    expect(retry).toMatchObject({ id, attempts: 2, lastError: "451 later" });
    await markMailFailed(database.db, id, "a", { error: "550 no", retryAtMs: null });
    expect(await getQueuedMail(database.db, id)).toMatchObject({
      status: "failed",
      lastError: "550 no",
    });
    expect(
      await claimDueMail(database.db, {
        owner: "a",
        nowMs: NOW_MS + 10_000_000,
        leaseMs: 1,
        limit: 5,
      }),
    ).toEqual([]);
    expect(await countQueuedMail(database.db)).toEqual({ pending: 0, sent: 0, failed: 1 });
    expect(await deleteOldMail(database.db, NOW_MS + 1)).toBe(1);
  });
});
