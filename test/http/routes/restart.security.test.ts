/**
 * Issue 14 item 6: without Redis the failure counters live in the database, so a restart
 * (deploy, crash) keeps every lock. Two servers in turn over one database, on both dialects.
 */
import { expect, it } from "vitest";
import { openTestDatabase } from "../../helpers/database.js";
import { startTestServer } from "../../helpers/server.js";
import { describeStore } from "../../helpers/store.js";

describeStore("failure counters across a restart", { database: false }, ({ dialect }) => {
  it("keeps an account locked after the server restarts", async () => {
    const database = await openTestDatabase(dialect);
    // The PostgreSQL harness passes a Redis store: pass the default without Redis (the database).
    const withoutRedis = async () => {
      const { createDatabaseRateLimitStore } =
        await import("../../../src/store/rate-limit/index.js");
      return startTestServer(dialect, {
        overrides: { database, rateLimitStore: createDatabaseRateLimitStore(database.db) },
      });
    };
    try {
      const before = await withoutRedis();
      const user = await before.createUser({});
      const attempt = (server: typeof before, password: string) =>
        server.client().request("POST", "/login", { json: { name: user.name, password } });
      for (let i = 0; i < 5; i++)
        expect((await attempt(before, "wrong password")).status).toBe(400);
      expect((await attempt(before, user.password)).status).toBe(429);
      await before.close();

      const after = await withoutRedis();
      try {
        const locked = await attempt(after, user.password);
        expect(locked.status).toBe(429);
        expect(locked.headers.get("retry-after")).toBe("30");
      } finally {
        await after.close();
      }
    } finally {
      await database.cleanup();
    }
  });
});
