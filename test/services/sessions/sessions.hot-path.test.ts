/**
 * The hot path reads no database on a cache hit (issue 10): after a warm-up request, the
 * session rows are deleted behind the cache's back (a store write that tells no one). With the
 * cache the next request is still answered from it, within the entry's TTL; with
 * `TESSERA_SESSION_CACHE=off` it reads the database and is refused.
 */
import { sql } from "kysely";
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../helpers/store.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describeStore("the session check's hot path", { database: false }, ({ dialect }) => {
  for (const cache of ["on", "off"] as const) {
    it(`${cache === "on" ? "answers from the cache" : "reads the database"} with TESSERA_SESSION_CACHE=${cache}`, async () => {
      const server = await startTestServer(dialect, { env: { TESSERA_SESSION_CACHE: cache } });
      servers.push(server);
      expect(server.tessera.sessionCache === null).toBe(cache === "off");
      const user = await server.createUser({});
      const client = server.client();
      await client.login(user.name, user.password);
      // On PostgreSQL the sign-in's own NOTIFY evicts the user's entries when it comes back (and
      // a fill that raced with it is not stored): late on a loaded machine, so use the session
      // until the cache holds it. The session's own entry is asked for: the cache holds other
      // entries too (the user's roles, issue 23), which that NOTIFY may leave.
      const [session] = await sql<{
        id: string;
      }>`select id from sessions`
        .execute(server.tessera.ctx.db)
        .then((result) => result.rows);
      expect(session).toBeDefined();
      for (let tries = 0; ; tries += 1) {
        expect((await client.request("GET", "/me")).status).toBe(200);
        const held = server.tessera.sessionCache?.getSession(session!.id) !== undefined;
        if (cache === "off" || held || tries >= 100) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await sql`delete from sessions`.execute(server.tessera.ctx.db);
      expect((await client.request("GET", "/me")).status).toBe(cache === "on" ? 200 : 401);
    });
  }
});
