/**
 * `GET /users` at scale (issue 25) through a real server on both dialects: pages with `Link`
 * and `X-Next-Cursor` that do not shift while users are added, the count, search and filters,
 * 400 for a bad limit or cursor, 403 for non-admins, and the people search of
 * `TESSERA_USER_DIRECTORY=search` with its limits. Also the paged device list.
 */
import { describe, expect, it } from "vitest";
import { describeServer } from "../../helpers/routes.js";
import type { TestClient, TestServer } from "../../helpers/server.js";

async function signedIn(server: TestServer, isAdmin: boolean) {
  const user = await server.createUser({ isAdmin });
  const client = server.client();
  await client.login(user.name, user.password);
  return { user, client };
}

/** Follows `Link: rel="next"` from `path`, running `between` after each page. */
async function readPages(
  client: TestClient,
  path: string,
  between: () => Promise<void> = async () => {},
) {
  const pages: Record<string, unknown>[][] = [];
  let next: string | null = path;
  while (next !== null && pages.length < 100) {
    const response = await client.request("GET", next);
    expect(response.status, response.text).toBe(200);
    pages.push(response.body);
    const link = response.headers.get("link");
    const cursor = response.headers.get("x-next-cursor");
    expect(link === null).toBe(cursor === null);
    next = link === null ? null : /^<([^>]+)>; rel="next"$/.exec(link)![1]!;
    if (next !== null) {
      expect(new URL(next, "http://x").searchParams.get("cursor")).toBe(cursor);
      await between();
    }
  }
  return pages;
}

describeServer("GET /users, paged", (server) => {
  describe("admins", () => {
    it("pages with Link and X-Next-Cursor, counts on the first page, and never shifts while users are added", async () => {
      const { client } = await signedIn(server, true);
      const tag = `pg${Date.now().toString(36)}`;
      const made = [];
      for (let i = 0; i < 5; i += 1) {
        made.push(
          await server.createUser({ name: `${tag}-${i}`, email: `${tag}-${i}@example.org` }),
        );
      }
      const first = await client.request("GET", `/users?q=${tag}&limit=2`);
      expect(first.headers.get("x-total-count")).toBe("5");
      let added = 0;
      const pages = await readPages(client, `/users?q=${tag}&limit=2`, async () => {
        added += 1;
        // Created later than everyone listed: it sorts after the cursor, so it is read too.
        server.clock.advance(1000);
        await server.createUser({
          name: `${tag}-late${added}`,
          email: `${tag}-late${added}@example.org`,
        });
      });
      const ids = pages.flat().map((u) => u.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const user of made) expect(ids).toContain(user.id);
      expect(ids.length).toBe(5 + added);
      expect(pages.every((page) => page.length <= 2)).toBe(true);
      // Only the first page is counted.
      const second = await client.request(
        "GET",
        `/users?q=${tag}&limit=2&cursor=${first.headers.get("x-next-cursor")}`,
      );
      expect(second.status).toBe(200);
      expect(second.headers.get("x-total-count")).toBeNull();
    });

    it("gives 50 by default, 200 at most, and the last page without a next link", async () => {
      const { client } = await signedIn(server, true);
      const tag = `lim${Date.now().toString(36)}`;
      for (let i = 0; i < 3; i += 1) await server.createUser({ name: `${tag}${i}` });
      const page = await client.request("GET", `/users?q=${tag}&limit=200`);
      expect(page.status).toBe(200);
      expect(page.body).toHaveLength(3);
      expect(page.headers.get("link")).toBeNull();
      expect(page.headers.get("x-next-cursor")).toBeNull();
      const all = await client.request("GET", "/users");
      expect(all.body.length).toBeLessThanOrEqual(50);
    });

    it("searches names and emails by their start, and filters", async () => {
      const { client } = await signedIn(server, true);
      const tag = `Sr${Date.now().toString(36)}`;
      const byName = await server.createUser({ name: `${tag}Name`, email: `x${tag}@example.org` });
      const byEmail = await server.createUser({
        name: `other${tag}`,
        email: `${tag}mail@example.org`,
      });
      const admin = await server.createUser({ name: `${tag}Admin`, isAdmin: true });
      const found = await client.request("GET", `/users?q=${tag.toUpperCase()}`);
      expect(found.body.map((u: { id: string }) => u.id).sort()).toEqual(
        [byName.id, byEmail.id, admin.id].sort(),
      );
      expect(found.body.find((u: { id: string }) => u.id === byName.id)).toMatchObject({
        email: byName.email,
        locked: false,
        invitation_pending: false,
      });
      const admins = await client.request("GET", `/users?q=${tag}&admin=true`);
      expect(admins.body.map((u: { id: string }) => u.id)).toEqual([admin.id]);
      expect(admins.headers.get("x-total-count")).toBe("1");
      const noFactor = await client.request(
        "GET",
        `/users?q=${tag}&second_factor=false&admin=false`,
      );
      expect(noFactor.body.map((u: { id: string }) => u.id).sort()).toEqual(
        [byName.id, byEmail.id].sort(),
      );
      expect((await client.request("GET", `/users?admin=yes`)).status).toBe(400);
    });

    it.each([
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["limit=abc", "limit"],
      ["limit=-1", "limit"],
      ["cursor=not-a-cursor!", "cursor"],
      ["cursor=" + Buffer.from("12.not-a-uuid").toString("base64url"), "cursor"],
      [
        "cursor=" + Buffer.from("x.00000000-0000-4000-8000-000000000000").toString("base64url"),
        "cursor",
      ],
    ])("answers 400 validation_error for %s", async (query, field) => {
      const { client } = await signedIn(server, true);
      const response = await client.request("GET", `/users?${query}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: "validation_error", extra: { field } });
    });
  });

  describe("others, without the directory", () => {
    it("refuses an ordinary user with 403 permission_denied, with or without a search", async () => {
      const { client } = await signedIn(server, false);
      for (const path of ["/users", "/users?q=abcdef", "/users?limit=1"]) {
        const response = await client.request("GET", path);
        expect(response.status).toBe(403);
        expect(response.body.code).toBe("permission_denied");
      }
    });
  });

  describe("a user's sessions", () => {
    it("pages the device list: this session first, then every other one exactly once", async () => {
      const user = await server.createUser({});
      for (let i = 0; i < 4; i += 1) await server.client().login(user.name, user.password);
      const client = server.client();
      await client.login(user.name, user.password);
      const pages = await readPages(client, `/users/${user.id}/sessions?limit=1`);
      expect(pages.every((page) => page.length === 1)).toBe(true);
      const sessions = pages.flat();
      expect(sessions).toHaveLength(5);
      expect(sessions[0]!.current).toBe(true);
      expect(sessions.filter((s) => s.current)).toHaveLength(1);
      expect(new Set(sessions.map((s) => s.id)).size).toBe(5);
      const two = await readPages(client, `/users/${user.id}/sessions?limit=2`);
      expect(two.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(
        two
          .flat()
          .map((s) => s.id)
          .sort(),
      ).toEqual(sessions.map((s) => s.id).sort());
      const bad = await client.request("GET", `/users/${user.id}/sessions?limit=500`);
      expect(bad.body).toMatchObject({ code: "validation_error", extra: { field: "limit" } });
    });
  });
});

describeServer(
  "GET /users with TESSERA_USER_DIRECTORY=search",
  (server) => {
    it("finds at most 20 ids and names by the start of a name, never by the email", async () => {
      const { client } = await signedIn(server, false);
      const tag = `dir${Date.now().toString(36)}`;
      for (let i = 0; i < 25; i += 1) {
        await server.createUser({
          name: `${tag}${String(i).padStart(2, "0")}`,
          email: `e${i}${tag}@example.org`,
        });
      }
      const hidden = await server.createUser({
        name: `zz${tag}`,
        email: `${tag}hidden@example.org`,
      });
      const found = await client.request("GET", `/users?q=${tag.toUpperCase()}`);
      expect(found.status).toBe(200);
      expect(found.body).toHaveLength(20);
      for (const user of found.body) expect(Object.keys(user).sort()).toEqual(["id", "name"]);
      expect(found.body.map((u: { id: string }) => u.id)).not.toContain(hidden.id);
      expect(found.headers.get("link")).toBeNull();
      expect(found.headers.get("x-total-count")).toBeNull();
      const five = await client.request("GET", `/users?q=${tag}&limit=5`);
      expect(five.body).toHaveLength(5);
    });

    it.each([
      ["", 400, "validation_error"],
      ["?q=ab", 400, "validation_error"],
      ["?q=%20ab%20", 400, "validation_error"],
      ["?q=abc&limit=21", 400, "validation_error"],
      [
        "?q=abc&cursor=" +
          Buffer.from("1.00000000-0000-4000-8000-000000000000").toString("base64url"),
        400,
        "validation_error",
      ],
      ["?q=abc&admin=true", 403, "permission_denied"],
      ["?q=abc&second_factor=false", 403, "permission_denied"],
    ])("refuses %s", async (query, status, code) => {
      const { client } = await signedIn(server, false);
      const response = await client.request("GET", `/users${query}`);
      expect(response.status).toBe(status);
      expect(response.body.code).toBe(code);
    });

    it("allows exactly 30 searches a minute per user, then 429 with Retry-After; others are not held", async () => {
      const { client } = await signedIn(server, false);
      const statuses = await Promise.all(
        Array.from({ length: 40 }, () => client.request("GET", "/users?q=abc").then((r) => r)),
      );
      expect(statuses.filter((r) => r.status === 200)).toHaveLength(30);
      const refused = statuses.filter((r) => r.status === 429);
      expect(refused).toHaveLength(10);
      expect(Number(refused[0]!.headers.get("retry-after"))).toBeGreaterThan(0);
      const other = await signedIn(server, false);
      expect((await other.client.request("GET", "/users?q=abc")).status).toBe(200);
      server.clock.advance(61_000);
      expect((await client.request("GET", "/users?q=abc")).status).toBe(200);
    });

    it("still gives admins the full, paged list", async () => {
      const { client } = await signedIn(server, true);
      const page = await client.request("GET", "/users?limit=1");
      expect(page.status).toBe(200);
      expect(page.body[0]).toHaveProperty("email");
      expect(page.headers.get("x-next-cursor")).not.toBeNull();
    });
  },
  { env: { TESSERA_USER_DIRECTORY: "search" } },
);
