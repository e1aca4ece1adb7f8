/**
 * Every list is bounded (issue 25 item 4), checked on the route table as registered: each
 * array in a success answer declares `maxItems`, and a list of records either pages (`limit`
 * and `cursor` in its query, the page's maximum as its `maxItems`) or has a natural cap named
 * here with the rule that holds it. A new route answering an unbounded list fails this test.
 */
import type { RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MAX_AUDIT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  MAX_PASSKEYS_PER_USER,
  MAX_PERSONAL_TOKENS_PER_USER,
  MAX_ROLES,
} from "../../src/contract/index.js";
import { openRouteTable, type RouteTable } from "../helpers/route-table.js";

/** Lists of records without paging, by route: the cap and what holds it. */
const NATURAL_CAPS: Readonly<Record<string, { max: number | null; why: string }>> = {
  "GET /users/:id/2fa/webauthn": {
    max: MAX_PASSKEYS_PER_USER,
    why: "a user holds at most MAX_PASSKEYS_PER_USER passkeys (store, under a row lock)",
  },
  "GET /users/:id/tokens": {
    max: MAX_PERSONAL_TOKENS_PER_USER,
    why: "a user holds at most MAX_PERSONAL_TOKENS_PER_USER live tokens (checked when one is made)",
  },
  "GET /me/applications": {
    max: null,
    why: "one entry per registered application the person gave access to: clients are registered by an operator or an admin",
  },
  "GET /applications": {
    max: null,
    why: "the registered applications: an operator or an admin registers each one",
  },
  "GET /roles": {
    max: MAX_ROLES,
    why: "at most MAX_ROLES roles exist: POST /roles refuses one more",
  },
  "GET /login/providers": {
    max: null,
    why: "the sign-in providers: only the operator adds one (tessera providers add)",
  },
  "GET /providers": {
    max: null,
    why: "the sign-in providers: only the operator adds one (tessera providers add)",
  },
  "GET /me/linked-sign-ins": {
    max: null,
    why: "at most one link per sign-in provider, and only the operator adds providers",
  },
  "POST /login/providers/link": {
    max: null,
    why: "the person's linked sign-ins after the link: at most one per sign-in provider",
  },
  "GET /.well-known/jwks.json": {
    max: null,
    why: "the keys that verify live tokens: only the operator makes keys, a retired one leaves after the token lifetime",
  },
};

/** Lists of scalars, by property name: what bounds them. */
const SCALAR_LISTS: Readonly<Record<string, string>> = {
  amr: "distinct authentication method names, a handful",
  roles: "a user holds at most MAX_ROLES_PER_USER roles (PUT /users/{id}/roles)",
  permissions:
    "a role holds at most MAX_ROLE_PERMISSIONS; a user's are the union over at most MAX_ROLES_PER_USER roles",
  codes: "one set of RECOVERY_CODE_COUNT recovery codes",
  scopes:
    "the provider's few scopes (OIDC_SCOPES); a personal access token's, at most MAX_PERSONAL_TOKEN_SCOPES",
  redirect_uris: "at most MAX_OIDC_CLIENT_URIS (checked at registration)",
  post_logout_redirect_uris: "at most MAX_OIDC_CLIENT_URIS (checked at registration)",
  grant_types: "the grants Tessera offers (OIDC_GRANT_TYPES)",
};

/** The page maximum of each paged list. */
const PAGE_MAXIMUM: Readonly<Record<string, number>> = {
  "GET /users": MAX_PAGE_SIZE,
  "GET /users/:id/sessions": MAX_PAGE_SIZE,
  "GET /audit": MAX_AUDIT_PAGE_SIZE,
  "GET /users/:id/audit": MAX_AUDIT_PAGE_SIZE,
};

/** Whether an array holds records (objects, or a union of objects). */
function holdsRecords(list: { schema: Record<string, unknown> }): boolean {
  const items = list.schema.items as { type?: string; anyOf?: { type?: string }[] } | undefined;
  return items?.type === "object" || (items?.anyOf?.every((s) => s.type === "object") ?? false);
}

interface ListSchema {
  path: string;
  schema: Record<string, unknown>;
}

/** Every array schema inside `schema`, with where it is. */
function arraysIn(schema: unknown, path = "", out: ListSchema[] = []): ListSchema[] {
  if (schema === null || typeof schema !== "object") return out;
  const node = schema as Record<string, unknown>;
  if (node.type === "array") out.push({ path, schema: node });
  for (const [key, value] of Object.entries(node)) arraysIn(value, `${path}.${key}`, out);
  return out;
}

describe("every list answer is bounded", () => {
  let table: RouteTable;
  /** Every route as registered but HEAD (the same answers as its GET), by "METHOD url". */
  const routes = new Map<string, RouteOptions>();

  beforeAll(async () => {
    table = await openRouteTable();
    for (const [key, route] of table.routes) if (!key.startsWith("HEAD ")) routes.set(key, route);
  });
  afterAll(async () => {
    await table?.close();
  });

  /** The routes with an array in a success answer, and those arrays. */
  const lists = () =>
    [...routes].flatMap(([key, route]) => {
      const responses = ((route.schema ?? {}) as { response?: Record<string, unknown> }).response;
      const arrays = Object.entries(responses ?? {})
        .filter(([status]) => status.startsWith("2"))
        .flatMap(([, schema]) => arraysIn(schema));
      return arrays.length === 0 ? [] : [{ key, route, arrays }];
    });

  it("finds the lists it knows (the walk reads the route table)", () => {
    const keys = lists().map((list) => list.key);
    for (const key of [...Object.keys(NATURAL_CAPS), ...Object.keys(PAGE_MAXIMUM)]) {
      expect(keys, key).toContain(key);
    }
  });

  it("pages every list of records, or names its natural cap", () => {
    for (const { key, route, arrays } of lists()) {
      const records = arrays.filter(holdsRecords);
      if (records.length === 0) continue;
      const query = ((route.schema ?? {}) as { querystring?: { properties?: object } }).querystring
        ?.properties;
      const paged = query !== undefined && "limit" in query && "cursor" in query;
      const cap = NATURAL_CAPS[key];
      expect(
        paged || cap !== undefined,
        `${key} answers a list with neither paging nor a cap`,
      ).toBe(true);
      for (const list of records) {
        const declared = list.schema.maxItems;
        if (paged) expect(declared, `${key}${list.path}`).toBe(PAGE_MAXIMUM[key]);
        else if (cap?.max !== null) expect(declared, `${key}${list.path}`).toBe(cap?.max);
      }
    }
  });

  it("knows what bounds every list of scalars", () => {
    for (const { key, arrays } of lists()) {
      for (const list of arrays) {
        if (holdsRecords(list)) continue;
        const name =
          list.path
            .split(".")
            .filter((part) => part !== "items")
            .at(-1) ?? "";
        expect(SCALAR_LISTS[name], `${key}${list.path}`).toBeDefined();
      }
    }
  });
});
