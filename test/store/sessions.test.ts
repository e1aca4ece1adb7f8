import { expect, it } from "vitest";
import { NotFoundError } from "../../src/core/errors.js";
import { newSessionId } from "../../src/core/jwt/index.js";
import {
  countLiveSessions,
  createSession,
  insertUser,
  deleteOldSessions,
  deleteUserRow,
  endSessionRecord,
  endUserSessionRecords,
  getSession,
  listLiveSessions,
  recordReauthentication,
  SESSION_TOUCH_INTERVAL_MS,
  touchSession,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW = new Date(Date.UTC(2026, 10, 28, 12, 0, 0, 0));
const NOW_MS = NOW.getTime();
const at = (ms: number) => new Date(NOW.getTime() + ms);
const HOUR = 3_600_000;
const IDLE = 24 * HOUR;

describeStore("sessions", (database) => {
  async function user(name: string) {
    return insertUser(database.db, {
      name,
      email: `${name}@example.org`,
      passwordHash: "h",
      nowMs: NOW_MS,
    });
  }
  async function session(userId: string, createdMs = 0) {
    return createSession(database.db, {
      id: newSessionId(),
      userId,
      nowMs: NOW_MS + createdMs,
      expiresAtMs: NOW_MS + createdMs + 168 * HOUR,
      idleExpiresAtMs: NOW_MS + createdMs + IDLE,
      amr: ["pwd", "otp"],
      ip: "192.0.2.1",
      userAgent: "curl/8.0\u0000",
      device: "curl",
    });
  }

  it("stores a session and reads it back", async () => {
    const u = await user("alice");
    const s = await session(u.id);
    expect(await getSession(database.db, s.id)).toEqual({
      id: s.id,
      userId: u.id,
      createdAt: NOW,
      lastSeenAt: NOW,
      expiresAt: at(168 * HOUR),
      idleExpiresAt: at(IDLE),
      amr: ["pwd", "otp"],
      authTime: NOW,
      ip: "192.0.2.1",
      userAgent: "curl/8.0\ufffd",
      device: "curl",
      endedAt: null,
      endReason: null,
    });
  });

  it("refuses a session for an unknown user", async () => {
    await expect(session("00000000-0000-4000-8000-000000000000")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("writes last_seen at most once a minute, and never past the absolute end", async () => {
    const u = await user("bob");
    const s = await session(u.id);
    expect(
      await touchSession(database.db, s.id, NOW_MS + SESSION_TOUCH_INTERVAL_MS - 1, IDLE),
    ).toBe(undefined);
    expect(await touchSession(database.db, s.id, NOW_MS + SESSION_TOUCH_INTERVAL_MS, IDLE)).toEqual(
      at(SESSION_TOUCH_INTERVAL_MS + IDLE),
    );
    // Near the absolute end the idle end stops at it.
    for (let t = 12 * HOUR; t + IDLE <= 168 * HOUR; t += 12 * HOUR) {
      expect(await touchSession(database.db, s.id, NOW_MS + t, IDLE)).toEqual(at(t + IDLE));
    }
    const late = 168 * HOUR - HOUR;
    expect(await touchSession(database.db, s.id, NOW_MS + late, IDLE)).toEqual(at(168 * HOUR));
    expect((await getSession(database.db, s.id))?.lastSeenAt).toEqual(at(late));
  });

  it("does not touch an ended or idle session", async () => {
    const u = await user("carol");
    const ended = await session(u.id);
    await endSessionRecord(database.db, ended.id, { nowMs: NOW_MS, reason: "logout" });
    expect(await touchSession(database.db, ended.id, NOW_MS + HOUR, IDLE)).toBe(undefined);
    const idle = await session(u.id);
    expect(await touchSession(database.db, idle.id, NOW_MS + IDLE, IDLE)).toBe(undefined);
  });

  it("ends a session once, only as its own user's", async () => {
    const u = await user("dave");
    const other = await user("erin");
    const s = await session(u.id);
    expect(
      await endSessionRecord(database.db, s.id, { nowMs: NOW_MS, reason: "x", userId: other.id }),
    ).toBeUndefined();
    expect(
      await endSessionRecord(database.db, s.id, {
        nowMs: NOW_MS + 5,
        reason: "logout",
        userId: u.id,
      }),
    ).toBe(u.id);
    expect(
      await endSessionRecord(database.db, s.id, { nowMs: NOW_MS + 9, reason: "again" }),
    ).toBeUndefined();
    expect(await getSession(database.db, s.id)).toMatchObject({
      endedAt: at(5),
      endReason: "logout",
    });
  });

  it("lists and counts live sessions newest first, ends all or all but one", async () => {
    const u = await user("frank");
    const first = await session(u.id, 0);
    const second = await session(u.id, 1000);
    const third = await session(u.id, 2000);
    await endSessionRecord(database.db, first.id, { nowMs: NOW_MS + 3000, reason: "logout" });
    const live = await listLiveSessions(database.db, u.id, NOW_MS + 3000);
    expect(live.map((s) => s.id)).toEqual([third.id, second.id]);
    expect((await countLiveSessions(database.db, NOW_MS + 3000)).get(u.id)).toBe(2);
    expect(
      await endUserSessionRecords(database.db, u.id, {
        nowMs: NOW_MS + 4000,
        reason: "end_others",
        exceptId: third.id,
      }),
    ).toBe(1);
    expect((await listLiveSessions(database.db, u.id, NOW_MS + 4000)).map((s) => s.id)).toEqual([
      third.id,
    ]);
    expect(
      await endUserSessionRecords(database.db, u.id, { nowMs: NOW_MS + 5000, reason: "all" }),
    ).toBe(1);
    expect(await listLiveSessions(database.db, u.id, NOW_MS + 5000)).toEqual([]);
  });

  it("sweeps what ended or expired before the cut-off and keeps the rest", async () => {
    const u = await user("grace");
    const ended = await session(u.id);
    await endSessionRecord(database.db, ended.id, { nowMs: NOW_MS + HOUR, reason: "logout" });
    const idle = await session(u.id);
    const live = await session(u.id, 2 * IDLE);
    expect(await deleteOldSessions(database.db, NOW_MS + IDLE + 1)).toBe(2);
    expect(await getSession(database.db, ended.id)).toBeUndefined();
    expect(await getSession(database.db, idle.id)).toBeUndefined();
    expect(await getSession(database.db, live.id)).toBeDefined();
  });

  it("sweeps in batches", async () => {
    const u = await user("ivan");
    for (let i = 0; i < 3; i++) {
      const s = await session(u.id);
      await endSessionRecord(database.db, s.id, { nowMs: NOW_MS, reason: "logout" });
    }
    expect(await deleteOldSessions(database.db, NOW_MS + 1, 2)).toBe(2);
    expect(await deleteOldSessions(database.db, NOW_MS + 1, 2)).toBe(1);
    expect(await deleteOldSessions(database.db, NOW_MS + 1, 2)).toBe(0);
  });

  it("keeps every method of re-authentications made at the same time (amr is not lost)", async () => {
    const { id: userId } = await user("reauth");
    const { id } = await session(userId);
    const methods = Array.from({ length: 10 }, (_, i) => `method${i}`);
    const results = await Promise.all(
      methods.map((method) =>
        recordReauthentication(database.db, id, userId, NOW_MS + 1_000, method),
      ),
    );
    expect(results.every((result) => result !== undefined)).toBe(true);
    const stored = await getSession(database.db, id);
    expect([...(stored?.amr ?? [])].sort()).toEqual(["otp", "pwd", ...methods].sort());
  });

  it("goes with its user", async () => {
    const u = await user("heidi");
    const s = await session(u.id);
    await deleteUserRow(database.db, u.id);
    expect(await getSession(database.db, s.id)).toBeUndefined();
  });
});
