/**
 * Issue 22 item 6: a STOCK `oidc-provider` (panva's, as anyone would start it: in-memory
 * adapter, one registered client, `findAccount`, its development sign-in and consent forms) on
 * a real port as the upstream. A person goes from Tessera's button through its forms and back,
 * over HTTP with cookies on both sides, and lands signed in to the right account.
 */
import { createServer, type Server } from "node:http";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUpstreamProvider } from "../../../src/services/upstream/providers.js";
import { freePort, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import type { TestClient } from "../../helpers/server.js";

const CLIENT_ID = "tessera";
const CLIENT_SECRET = "stock-client-secret-0123456789abcdef";
/** The upstream's people: account id -> email (every one verified upstream). */
const PEOPLE: Record<string, string> = {
  "stock-alice": "stock-alice@example.org",
  "stock-newcomer": "stock-newcomer@example.org",
};

let tessera: OidcTestServer;
let stock: { server: Server; issuer: string };

beforeAll(async () => {
  tessera = await startOidcTestServer("sqlite");
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${tessera.issuer}/login/providers/stock/callback`],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    // oidc-provider's default (conformIdTokenClaims): the ID token holds no email, which
    // Tessera then reads from userinfo, its `sub` checked against the ID token's.
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, accountId) {
      const email = PEOPLE[accountId];
      if (email === undefined) return undefined;
      return { accountId, claims: async () => ({ sub: accountId, email, email_verified: true }) };
    },
  });
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  stock = { server, issuer };
  await addUpstreamProvider(tessera.tessera.ctx, tessera.tessera.upstream!, {
    id: "stock",
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    name: "Stock OP",
    createAccounts: true,
  });
});
afterAll(async () => {
  await new Promise<void>((resolve) => stock.server.close(() => resolve()));
  await tessera.close();
});

/** The stock provider's form on a page: its action and its fields (values as rendered). */
function formOf(page: string, typed: Record<string, string>): { action: string; body: string } {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page);
  if (form === null) throw new Error(`no form in the page:\n${page}`);
  const fields = new URLSearchParams();
  for (const input of form[2]!.matchAll(/<input\b([^>]*)>/g)) {
    const name = /\bname="([^"]*)"/.exec(input[1]!)?.[1];
    if (name === undefined) continue;
    const value = /\bvalue="([^"]*)"/.exec(input[1]!)?.[1] ?? "";
    fields.append(name, typed[name] ?? value);
  }
  return { action: form[1]!.replaceAll("&amp;", "&"), body: fields.toString() };
}

/**
 * The browser at the stock provider, with its own cookie jar: follows redirects, signs in as
 * `accountId` on the login form, approves on the consent form, until a redirect leaves for
 * Tessera; that URL and the prompts it went through.
 */
async function throughStock(start: string, accountId: string) {
  const jar = new Map<string, string>();
  const prompts: string[] = [];
  let url = start;
  let init: { method: string; body?: string } = { method: "GET" };
  for (let hop = 0; hop < 20; hop += 1) {
    if (!url.startsWith(stock.issuer)) return { back: new URL(url), prompts };
    const response = await fetch(url, {
      method: init.method,
      redirect: "manual",
      headers: {
        cookie: [...jar].map(([name, value]) => `${name}=${value}`).join("; "),
        ...(init.body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
      },
      body: init.body,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      url = new URL(location, url).href;
      init = { method: "GET" };
      continue;
    }
    const page = await response.text();
    expect(response.status, page).toBe(200);
    const form = formOf(page, { login: accountId, password: "any" });
    prompts.push(new URLSearchParams(form.body).get("prompt") ?? "?");
    url = new URL(form.action, url).href;
    init = { method: "POST", body: form.body };
  }
  throw new Error("too many hops at the stock provider");
}

/** Tessera's button, the stock provider, and Tessera's callback: where Tessera sends the person. */
async function signIn(browser: TestClient, accountId: string): Promise<string> {
  const started = await browser.request("GET", "/login/providers/stock");
  expect(started.status, started.text).toBe(303);
  const authorize = new URL(started.headers.get("location")!);
  expect(authorize.origin + authorize.pathname).toBe(`${stock.issuer}/auth`);
  const { back, prompts } = await throughStock(authorize.href, accountId);
  expect(prompts).toEqual(["login", "consent"]);
  expect(back.origin + back.pathname).toBe(`${tessera.issuer}/login/providers/stock/callback`);
  // RFC 9207: the stock provider names itself in the authorization response.
  expect(back.searchParams.get("iss")).toBe(stock.issuer);
  const done = await browser.request("GET", back.pathname + back.search);
  expect(done.status, done.text).toBe(303);
  return done.headers.get("location")!;
}

async function linksOf(userId: string) {
  return tessera.tessera.database.db
    .selectFrom("linked_identities")
    .select(["provider_id", "subject", "user_id"])
    .where("user_id", "=", userId)
    .execute();
}

describe("a stock oidc-provider as the upstream", () => {
  it("links the local account with the same verified address and signs the person in", async () => {
    const local = await tessera.createUser({ email: PEOPLE["stock-alice"] });
    await tessera.tessera.database.db
      .updateTable("users")
      .set({ email_verified_at: Date.now() })
      .where("id", "=", local.id)
      .execute();
    const browser = tessera.browser();
    expect(await signIn(browser, "stock-alice")).toBe("/account");
    const me = await browser.request("GET", "/me");
    expect(me.status, me.text).toBe(200);
    expect(me.body.id).toBe(local.id);
    expect(await linksOf(local.id)).toEqual([
      { provider_id: "stock", subject: "stock-alice", user_id: local.id },
    ]);
    // The next sign-in finds the link by (provider, sub), and lands in the same account.
    const again = tessera.browser();
    expect(await signIn(again, "stock-alice")).toBe("/account");
    expect((await again.request("GET", "/me")).body.id).toBe(local.id);
  });

  it("creates a passwordless account for an unknown person when the provider may create them", async () => {
    const browser = tessera.browser();
    expect(await signIn(browser, "stock-newcomer")).toBe("/account");
    const me = await browser.request("GET", "/me");
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ email: PEOPLE["stock-newcomer"], has_password: false });
    expect(await linksOf(me.body.id)).toEqual([
      { provider_id: "stock", subject: "stock-newcomer", user_id: me.body.id },
    ]);
  });
});
