import { expect, it } from "vitest";
import {
  appendAuditEvent,
  insertUser,
  deleteUserRow,
  listAuditEvents,
  MAX_AUDIT_EVENT_LIMIT,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

/** The time store writes are stamped with (the service's clock, frozen). */
const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();

const T0 = new Date(Date.UTC(2026, 10, 28, 12, 0, 0, 123));

describeStore("audit events", (database) => {
  it("appends events and lists them newest first with their JSON detail", async () => {
    await appendAuditEvent(database.db, { event: "login_failed", atMs: T0.getTime() });
    await appendAuditEvent(database.db, {
      event: "login_succeeded",
      userId: "5b0d2f1e-8a4b-4e0c-9d7f-6f9f978015de",
      ip: "203.0.113.7",
      userAgent: "Mozilla/5.0",
      detail: {
        method: "password",
        nested: { ok: true, list: [1, "two", null] },
        unicode: "ärne ✓",
      },
      atMs: T0.getTime() + 1,
    });
    const events = await listAuditEvents(database.db);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      event: "login_succeeded",
      userId: "5b0d2f1e-8a4b-4e0c-9d7f-6f9f978015de",
      ip: "203.0.113.7",
      userAgent: "Mozilla/5.0",
      detail: {
        method: "password",
        nested: { ok: true, list: [1, "two", null] },
        unicode: "ärne ✓",
      },
      at: new Date(T0.getTime() + 1),
    });
    expect(events[1]).toMatchObject({
      event: "login_failed",
      userId: null,
      ip: null,
      detail: {},
      at: T0,
    });
    expect(typeof events[0]?.id).toBe("number");
    expect(events[0]!.id).toBeGreaterThan(events[1]!.id);
  });

  it("filters by user and by event and honours the limit", async () => {
    for (let i = 0; i < 5; i += 1) {
      await appendAuditEvent(database.db, {
        event: i % 2 === 0 ? "even" : "odd",
        userId: i < 3 ? "u1" : "u2",
        atMs: NOW_MS,
      });
    }
    expect((await listAuditEvents(database.db, { userId: "u1" })).length).toBe(3);
    expect((await listAuditEvents(database.db, { event: "odd" })).length).toBe(2);
    expect((await listAuditEvents(database.db, { userId: "u1", event: "even" })).length).toBe(2);
    expect((await listAuditEvents(database.db, { limit: 2 })).length).toBe(2);
    expect((await listAuditEvents(database.db, { limit: 0 })).length).toBe(0);
    expect((await listAuditEvents(database.db, { limit: MAX_AUDIT_EVENT_LIMIT * 10 })).length).toBe(
      5,
    );
  });

  it("keeps a user's events after the user is deleted", async () => {
    const user = await insertUser(database.db, {
      name: "gone",
      email: "gone@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    await appendAuditEvent(database.db, { event: "user_created", userId: user.id, atMs: NOW_MS });
    await deleteUserRow(database.db, user.id);
    expect((await listAuditEvents(database.db, { userId: user.id })).map((e) => e.event)).toEqual([
      "user_created",
    ]);
  });
});
