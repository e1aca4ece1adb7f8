/**
 * What a personal access token can never do (issue 23 item 3): walking Tessera's route table, a
 * token with `profile:read` gets 403 `insufficient_scope` on every write route (with the RFC
 * 6750 challenge) and reads `/me`; every row of the scope table names a registered route; a
 * mistyped token (bad checksum) is refused before any database query (every query the check
 * makes is counted through a Kysely plugin), while a well-formed one does read.
 */
import type { KyselyPlugin } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKEN_SCOPES, tokenScopeOf } from "../../../src/http/token-scopes.js";
import { createPersonalTokenAuthenticator } from "../../../src/services/personal-tokens/authenticate.js";
import { createPersonalToken } from "../../../src/services/personal-tokens/tokens.js";
import { toPublicUser } from "../../../src/services/users-view.js";
import { openRouteTable, type RouteTable } from "../../helpers/route-table.js";
import { describeServer } from "../../helpers/routes.js";
import type { TestServer } from "../../helpers/server.js";
import { replaceEnd } from "../../helpers/tamper.js";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Every authenticated write route of the plugin, as "METHOD url". */
let writeRoutes: string[] = [];
let table: RouteTable;
beforeAll(async () => {
  table = await openRouteTable();
  writeRoutes = [...table.routes]
    .filter(([key, route]) => {
      const method = key.split(" ")[0]!;
      const config = (route.config ?? {}) as Record<string, unknown>;
      return !READS.has(method) && config.excludeFromAuth !== true;
    })
    .map(([key]) => key);
});
afterAll(async () => {
  await table?.close();
});

describe("the token scope table", () => {
  it("names registered routes only, and gives their config the scope", () => {
    for (const key of Object.keys(TOKEN_SCOPES)) {
      expect(table.routes.has(key), key).toBe(true);
    }
    for (const [key, route] of table.routes) {
      const [method, url] = key.split(" ") as [string, string];
      expect((route.config as { scope?: string } | undefined)?.scope, key).toBe(
        tokenScopeOf(method, url),
      );
    }
    expect(writeRoutes.length).toBeGreaterThan(20);
  });
});

/** A path for a route pattern: `:id` is the user, other parameters a plausible value. */
function pathOf(url: string, userId: string): string {
  return url.replace(/:id\b/, userId).replace(/:[a-z_]+/g, "00000000-0000-4000-8000-000000000000");
}

async function profileToken(server: TestServer, isAdmin = false) {
  const user = await server.createUser({ isAdmin });
  const { token, record } = await createPersonalToken(
    server.tessera.ctx,
    toPublicUser(user),
    user.id,
    { name: "walk", scopes: ["profile:read"] },
    { ip: "127.0.0.1", userAgent: null },
  );
  return { user, token, record };
}

describeServer("a profile:read token", (server) => {
  for (const isAdmin of [false, true]) {
    it(`of ${isAdmin ? "an admin" : "a user"} reads /me and gets 403 insufficient_scope on every write route`, async () => {
      const { user, token } = await profileToken(server, isAdmin);
      const client = server.client();
      const headers = { authorization: `Bearer ${token}` };
      const me = await client.request("GET", "/me", { headers });
      expect(me.status).toBe(200);
      const refused: string[] = [];
      const others: string[] = [];
      for (const key of writeRoutes) {
        const [method, url] = key.split(" ") as [string, string];
        const response = await client.request(method, pathOf(url, user.id), {
          headers,
          json: {},
          origin: null,
        });
        const challenge = response.headers.get("www-authenticate") ?? "";
        if (
          response.status === 403 &&
          response.body?.code === "insufficient_scope" &&
          challenge.startsWith('Bearer error="insufficient_scope"')
        ) {
          refused.push(key);
        } else {
          others.push(`${key} → ${response.status} ${response.text}`);
        }
      }
      expect(others).toEqual([]);
      expect(refused).toHaveLength(writeRoutes.length);
      // Still usable: nothing above revoked or spent it.
      expect((await client.request("GET", "/me", { headers })).status).toBe(200);
    });
  }

  it("refuses a mistyped token before any database query, and reads for a well-formed one", async () => {
    const { token } = await profileToken(server);
    let queries = 0;
    const counter: KyselyPlugin = {
      transformQuery: (args) => {
        queries += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const ctx = server.tessera.ctx;
    // No session cache either: a refusal must not depend on one.
    const { sessionCache: _ignored, ...uncached } = ctx;
    const check = createPersonalTokenAuthenticator({ ...uncached, db: ctx.db.withPlugin(counter) });
    const meta = { ip: "127.0.0.1", userAgent: null };
    const middle = token.length >> 1;
    const swapped =
      token.slice(0, middle) + (token[middle] === "Q" ? "R" : "Q") + token.slice(middle + 1);
    for (const bad of [replaceEnd(token), swapped, token.slice(0, -1), "tsr_pat_x"]) {
      await expect(check(bad, meta)).rejects.toMatchObject({ code: "not_authorized" });
    }
    expect(queries).toBe(0);
    await expect(check(token, meta)).resolves.toMatchObject({ scopes: ["profile:read"] });
    expect(queries).toBeGreaterThan(0);
  });
});
