/**
 * Issue 22 item 6 with real servers: Tessera's own OpenID provider (panva's oidc-provider,
 * certified) as the upstream of another Tessera, a person going through its sign-in and
 * consent and coming back signed in, linking from the account page; a fake GitHub (OAuth 2.0,
 * `/user`, `/user/emails`) on a real port; and `tessera providers` as the operator runs it.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli.js";
import { addUpstreamProvider } from "../../../src/services/upstream/providers.js";
import { captureIo } from "../../helpers/cli.js";
import { runBrowser } from "../../helpers/oidc-flow.js";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import type { TestClient } from "../../helpers/server.js";

let up: OidcTestServer;
let down: OidcTestServer;
let github: { server: Server; url: string };

beforeAll(async () => {
  up = await startOidcTestServer("sqlite");
  down = await startOidcTestServer("sqlite");
  github = await startFakeGithub();
});
afterAll(async () => {
  await down.close();
  await up.close();
  await new Promise<void>((resolve) => github.server.close(() => resolve()));
});

/** A fake GitHub: the OAuth endpoints and the two API calls Tessera makes, on a real port. */
async function startFakeGithub(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const json = (body: unknown) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const bearer = request.headers.authorization === "Bearer gho_test";
    if (path === "/login/oauth/access_token" && request.method === "POST") {
      request.resume();
      request.on("end", () =>
        json({ access_token: "gho_test", token_type: "bearer", scope: "read:user,user:email" }),
      );
    } else if (path === "/api/v3/user" && bearer) {
      json({ id: 4242, login: "octo-person", name: "Octo Person" });
    } else if (path === "/api/v3/user/emails" && bearer) {
      json([
        { email: "octo-old@example.org", primary: false, verified: true },
        { email: "octo@example.org", primary: true, verified: true },
      ]);
    } else {
      response.writeHead(401).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { server, url: `http://127.0.0.1:${address.port}` };
}

async function verify(server: OidcTestServer, userId: string): Promise<void> {
  await server.tessera.database.db
    .updateTable("users")
    .set({ email_verified_at: Date.now() })
    .where("id", "=", userId)
    .execute();
}

/** The browser's trip: Tessera → the upstream's sign-in and consent → back to Tessera. */
async function throughUpstream(
  browser: TestClient,
  startUrl: string,
  person: { name: string; password: string },
): Promise<string> {
  const run = await runBrowser(up, up.browser(), startUrl, { user: person, consent: "approve" });
  expect(run.final.origin, run.hops.join(" -> ")).toBe(down.issuer);
  const back = await browser.request("GET", run.final.pathname + run.final.search);
  expect(back.status, back.text).toBe(303);
  return back.headers.get("location")!;
}

describe("Tessera signed in through a real OpenID provider", () => {
  it("signs a person in to the account with the same verified address, and links from the account page", async () => {
    const callback = `${down.issuer}/login/providers/tessera-up/callback`;
    const client = await up.addClient({ name: "Downstream", redirectUris: [callback] });
    await addUpstreamProvider(down.tessera.ctx, down.tessera.upstream!, {
      id: "tessera-up",
      issuer: up.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret!,
      name: "Upstream Tessera",
    });

    const upPerson = await up.createUser({ email: "alice@example.org" });
    await verify(up, upPerson.id);
    const local = await down.createUser({ email: "alice@example.org" });
    await verify(down, local.id);

    const browser = down.browser();
    const listed = await browser.request("GET", "/login/providers");
    expect(listed.body.providers).toEqual([
      { id: "tessera-up", name: "Upstream Tessera", available: true },
    ]);
    const started = await browser.request("GET", "/login/providers/tessera-up");
    expect(started.status).toBe(303);
    const location = started.headers.get("location")!;
    const authorize = new URL(location);
    expect(authorize.origin).toBe(up.issuer);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("redirect_uri")).toBe(callback);
    expect(await throughUpstream(browser, location, upPerson)).toBe("/account");
    const me = await browser.request("GET", "/me");
    expect(me.body.id).toBe(local.id);
    const linked = await browser.request("GET", "/me/linked-sign-ins");
    expect(linked.body.linked).toEqual([
      expect.objectContaining({ provider_id: "tessera-up", email_at_link: "alice@example.org" }),
    ]);

    // Another local person links the same upstream provider from their account page.
    const bobUp = await up.createUser({ email: "bob-upstream@example.org" });
    const bob = await down.createUser({ email: "bob@example.org" });
    const bobBrowser = down.browser();
    await bobBrowser.login(bob.name, bob.password);
    const link = await bobBrowser.request("POST", "/me/linked-sign-ins/tessera-up");
    expect(link.status, link.text).toBe(200);
    expect(await throughUpstream(bobBrowser, link.body.redirect_to, bobUp)).toBe(
      "/account?provider_linked=tessera-up",
    );
    const bobLinks = await bobBrowser.request("GET", "/me/linked-sign-ins");
    expect(bobLinks.body.linked).toHaveLength(1);
    // He can unlink it: he has a password.
    const unlink = await bobBrowser.request("DELETE", "/me/linked-sign-ins/tessera-up");
    expect(unlink.status).toBe(204);
  });
});

describe("GitHub (OAuth 2.0 and its API), against a fake GitHub", () => {
  it("signs in by GitHub's numeric id with its primary verified address", async () => {
    await addUpstreamProvider(down.tessera.ctx, down.tessera.upstream!, {
      id: "github",
      preset: "github",
      issuer: github.url,
      clientId: "gh-client",
      clientSecret: "gh-secret",
      createAccounts: true,
    });
    const browser = down.browser();
    const started = await browser.request("GET", "/login/providers/github");
    expect(started.status).toBe(303);
    const authorize = new URL(started.headers.get("location")!);
    expect(authorize.origin + authorize.pathname).toBe(`${github.url}/login/oauth/authorize`);
    expect(authorize.searchParams.get("scope")).toBe("read:user user:email");
    const state = authorize.searchParams.get("state")!;
    const back = await browser.request(
      "GET",
      `/login/providers/github/callback?code=x&state=${state}`,
    );
    expect(back.headers.get("location")).toBe("/account");
    const me = await browser.request("GET", "/me");
    expect(me.body.email).toBe("octo@example.org");
    const row = await down.tessera.database.db
      .selectFrom("linked_identities")
      .selectAll()
      .where("provider_id", "=", "github")
      .executeTakeFirstOrThrow();
    expect(row.subject).toBe("4242");
  });
});

describe("tessera providers", () => {
  it("adds with the secret from standard input, prints the callback URL, lists and removes", async () => {
    const run = async (args: string[], stdin = "") => {
      const io = Object.assign(captureIo(), { readStdin: async () => stdin });
      const code = await runCli(args, down.cliEnv, io);
      return { code, lines: io.lines, errors: io.errors };
    };
    const added = await run(
      [
        "providers",
        "add",
        "--id",
        "google",
        "--preset",
        "google",
        "--client-id",
        "g-id",
        "--client-secret-stdin",
        "--json",
      ],
      "g-secret\n",
    );
    expect(added.errors).toEqual([]);
    expect(added.code).toBe(0);
    const json = JSON.parse(added.lines.join("\n"));
    expect(json).toMatchObject({
      id: "google",
      issuer: "https://accounts.google.com",
      callback_url: `${down.issuer}/login/providers/google/callback`,
      link: "verified-email",
    });
    expect(added.lines.join("\n")).not.toContain("g-secret");
    const listed = await run(["providers", "list"]);
    expect(listed.lines.join("\n")).toContain(
      "google  Google  (oidc)  https://accounts.google.com",
    );
    // The running server sees it without a restart.
    expect((await down.tessera.upstream!.registry.fresh("google"))?.clientSecret).toBe("g-secret");
    expect((await run(["providers", "remove", "google"])).code).toBe(0);
    expect((await run(["providers", "remove", "google"])).code).toBe(1);
    expect(
      (
        await run([
          "providers",
          "add",
          "--id",
          "x",
          "--issuer",
          "https://x.example",
          "--client-id",
          "a",
        ])
      ).code,
    ).toBe(2);
  });
});
