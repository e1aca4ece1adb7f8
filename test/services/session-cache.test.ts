import { describe, expect, it } from "vitest";
import {
  createSessionCache,
  encodeSessionEvent,
  parseSessionEvent,
  type CachedSession,
} from "../../src/services/session-cache.js";
import type { PublicUser } from "../../src/services/users-view.js";

const state = (userId: string): CachedSession => ({
  userId,
  expiresAtMs: 2,
  idleExpiresAtMs: 1,
  lastSeenAtMs: 0,
  ended: false,
});
const view = { id: "u1" } as PublicUser;

describe("the session cache", () => {
  it("forgets a personal access token on its token event, and a user's tokens on a user event", () => {
    const cache = createSessionCache();
    cache.channelUp();
    const token = (id: string, userId: string) => ({
      id,
      userId,
      scopes: ["profile:read"],
      expiresAtMs: 2,
      lastUsedAtMs: null,
      lastUsedAddress: null,
    });
    const g = cache.generation();
    cache.setToken("d1", token("t1", "u1"), g);
    cache.setToken("d2", token("t2", "u1"), g);
    cache.setToken("d3", token("t3", "u2"), g);
    cache.apply(parseSessionEvent(encodeSessionEvent({ kind: "token", tokenId: "t3" })));
    expect(cache.getToken("d3")).toBeUndefined();
    expect(cache.getToken("d1")).toBeDefined();
    cache.apply({ kind: "user", userId: "u1" });
    expect(cache.getToken("d1")).toBeUndefined();
    expect(cache.getToken("d2")).toBeUndefined();
    cache.setToken("d3", token("t3", "u2"), cache.generation());
    cache.channelDown("test");
    expect(cache.getToken("d3")).toBeUndefined();
  });

  it("keeps the serialised view of the cached user once, and drops it with the user", () => {
    const cache = createSessionCache();
    cache.channelUp();
    const user = { id: "u1" } as PublicUser;
    cache.setUser("u1", user, cache.generation());
    let builds = 0;
    const build = () => `body ${++builds}`;
    expect(cache.userBody(user, build)).toBe("body 1");
    expect(cache.userBody(user, build)).toBe("body 1");
    // Another version of the user (not the cached object) is never answered from the entry.
    expect(cache.userBody({ id: "u1" } as PublicUser, build)).toBe("body 2");
    cache.apply({ kind: "user", userId: "u1" });
    expect(cache.userBody(user, build)).toBe("body 3");
    expect(cache.userBody(user, build)).toBe("body 4");
    const next = { id: "u1" } as PublicUser;
    cache.setUser("u1", next, cache.generation());
    expect(cache.userBody(next, build)).toBe("body 5");
    expect(cache.userBody(next, build)).toBe("body 5");
    cache.channelDown("test");
    expect(cache.userBody(next, build)).toBe("body 6");
  });

  it("answers nothing until its channel is up", () => {
    const cache = createSessionCache();
    cache.setSession("s1", state("u1"), cache.generation());
    expect(cache.getSession("s1")).toBeUndefined();
    cache.channelUp();
    cache.setSession("s1", state("u1"), cache.generation());
    expect(cache.getSession("s1")).toEqual(state("u1"));
  });

  it("does not store a read that raced with an event", () => {
    const cache = createSessionCache();
    cache.channelUp();
    const before = cache.generation();
    cache.apply({ kind: "session", sessionId: "s1" }); // arrives while the read is in flight
    cache.setSession("s1", state("u1"), before);
    cache.setUser("u1", view, before);
    expect(cache.getSession("s1")).toBeUndefined();
    expect(cache.getUser("u1")).toBeUndefined();
  });

  it("forgets a user's sessions and view on a user event, one session on a session event", () => {
    const cache = createSessionCache();
    cache.channelUp();
    const g = cache.generation();
    cache.setSession("s1", state("u1"), g);
    cache.setSession("s2", state("u1"), g);
    cache.setSession("s3", state("u2"), g);
    cache.setUser("u1", view, g);
    cache.apply({ kind: "session", sessionId: "s3" });
    expect(cache.getSession("s3")).toBeUndefined();
    expect(cache.getSession("s1")).toBeDefined();
    cache.apply({ kind: "user", userId: "u1" });
    expect(cache.size()).toBe(0);
  });

  it("keeps a user's grants until the user's next event, everyone's until an all event (issue 23)", () => {
    const cache = createSessionCache();
    const grants = { roles: ["billing"], permissions: ["invoices:write"] };
    cache.setGrants("u1", grants, cache.generation());
    expect(cache.getGrants("u1")).toBeUndefined(); // channel down: nothing trusted
    cache.channelUp();
    const g = cache.generation();
    cache.setGrants("u1", grants, g);
    cache.setGrants("u2", grants, g);
    cache.apply({ kind: "session", sessionId: "s1" });
    expect(cache.getGrants("u1")).toEqual(grants);
    cache.apply({ kind: "user", userId: "u1" });
    expect(cache.getGrants("u1")).toBeUndefined();
    expect(cache.getGrants("u2")).toEqual(grants);
    cache.apply({ kind: "all" });
    expect(cache.getGrants("u2")).toBeUndefined();
    cache.setGrants("u2", grants, cache.generation());
    cache.channelDown("test");
    expect(cache.getGrants("u2")).toBeUndefined();
  });

  it("is bounded: the oldest entry goes first", () => {
    const cache = createSessionCache({ maxEntries: 2 });
    cache.channelUp();
    const g = cache.generation();
    for (const id of ["a", "b", "c"]) cache.setSession(id, state("u"), g);
    expect(cache.getSession("a")).toBeUndefined();
    expect(cache.getSession("c")).toBeDefined();
    expect(cache.size()).toBe(2);
  });

  it("trusts an entry for the TTL only", () => {
    let nowMs = 0;
    const cache = createSessionCache({ ttlMs: 1000, now: () => nowMs });
    cache.channelUp();
    cache.setSession("s1", state("u1"), cache.generation());
    nowMs = 999;
    expect(cache.getSession("s1")).toBeDefined();
    nowMs = 1000;
    expect(cache.getSession("s1")).toBeUndefined();
  });

  it("is bypassed and cleared while the channel is down, and says so once", () => {
    const lines: string[] = [];
    const cache = createSessionCache({
      logger: { warn: (m) => lines.push(`warn ${m}`), info: (m) => lines.push(`info ${m}`) },
    });
    cache.channelUp();
    cache.setSession("s1", state("u1"), cache.generation());
    cache.channelDown("lost");
    cache.channelDown("still lost");
    expect(cache.enabled).toBe(false);
    expect(cache.getSession("s1")).toBeUndefined();
    cache.setSession("s1", state("u1"), cache.generation());
    cache.channelUp();
    expect(cache.getSession("s1")).toBeUndefined();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^warn session cache bypassed \(lost\)/);
    expect(lines[1]).toMatch(/^info /);
  });
});

describe("the session events on the channel", () => {
  it("reads back what it writes, and clears everything on anything else", () => {
    for (const event of [
      { kind: "session", sessionId: "s1" },
      { kind: "user", userId: "u1" },
      { kind: "all" },
    ] as const) {
      expect(parseSessionEvent(encodeSessionEvent(event))).toEqual(event);
    }
    // null is news lost (a reconnect); the rest is a message this version cannot read.
    for (const payload of [
      null,
      "",
      "not json",
      '{"kind":"session"}',
      '{"kind":"user","userId":1}',
    ]) {
      expect(parseSessionEvent(payload)).toEqual({ kind: "all" });
    }
  });
});
