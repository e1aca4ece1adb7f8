/**
 * Issue 22 item 5: each check of an upstream's answer against a hostile upstream (a real
 * listening server that misbehaves on demand, test/helpers/hostile-upstream.ts), through the
 * real callback route of a real Tessera server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  addUpstreamProvider,
  removeUpstreamProvider,
} from "../../../src/services/upstream/providers.js";
import { decideFirstSignIn } from "../../../src/services/upstream/linking.js";
import { startHostileUpstream, type HostileUpstream } from "../../helpers/hostile-upstream.js";
import { startTestServer, type TestClient, type TestServer } from "../../helpers/server.js";

const CLIENT_ID = "tessera-downstream";
let server: TestServer;
let upstream: HostileUpstream;
let other: HostileUpstream;

beforeAll(async () => {
  server = await startTestServer("sqlite");
  upstream = await startHostileUpstream(CLIENT_ID);
  other = await startHostileUpstream(CLIENT_ID);
});
afterAll(async () => {
  await server.close();
  await upstream.close();
  await other.close();
});

let providerCounter = 0;
let providerId = "";
beforeEach(async () => {
  upstream.next = {};
  providerCounter += 1;
  providerId = `hostile-${providerCounter}`;
  await addUpstreamProvider(server.tessera.ctx, server.tessera.upstream!, {
    id: providerId,
    issuer: upstream.issuer,
    clientId: CLIENT_ID,
    clientSecret: "s3cret",
    name: "Corp SSO",
  });
});

/** Starts a sign-in in `browser`; what the upstream's authorization request carried. */
async function start(browser: TestClient, id = providerId) {
  const response = await browser.request("GET", `/login/providers/${id}`);
  expect(response.status, response.text).toBe(303);
  return upstream.authorize(response.headers.get("location")!);
}

/** The callback the upstream would send the browser to; where Tessera sends it then. */
async function callback(
  browser: TestClient,
  params: Record<string, string>,
  id = providerId,
): Promise<string> {
  const query = new URLSearchParams(params).toString();
  const response = await browser.request("GET", `/login/providers/${id}/callback?${query}`);
  expect(response.status, response.text).toBe(303);
  return response.headers.get("location")!;
}

async function honestCallback(browser: TestClient): Promise<string> {
  const { state } = await start(browser);
  return callback(browser, { code: "c1", state, iss: upstream.issuer });
}

async function refusals(): Promise<Array<Record<string, unknown>>> {
  const rows = await server.tessera.database.db
    .selectFrom("audit_events")
    .selectAll()
    .where("event", "=", "upstream_sign_in_refused")
    .execute();
  return rows.map((row) => JSON.parse(String(row.detail)) as Record<string, unknown>);
}

/** The reason the last refusal of the current provider was audited with. */
async function lastReason(): Promise<string> {
  const mine = (await refusals()).filter((detail) => detail.provider === providerId);
  return String(mine.at(-1)?.reason);
}

async function createVerifiedUser(email: string) {
  const user = await server.createUser({ email });
  await server.tessera.database.db
    .updateTable("users")
    .set({ email_verified_at: Date.now() })
    .where("id", "=", user.id)
    .execute();
  return user;
}

async function linksOf(userId: string) {
  return server.tessera.database.db
    .selectFrom("linked_identities")
    .selectAll()
    .where("user_id", "=", userId)
    .execute();
}

describe("a hostile upstream", () => {
  it("signs in with an honest answer (the control case)", async () => {
    const user = await createVerifiedUser(`control-${providerCounter}@example.org`);
    upstream.next = { claims: { email: user.email, sub: `control-${providerCounter}` } };
    const browser = server.client();
    expect(await honestCallback(browser)).toBe("/account");
    expect(browser.cookies.has("token")).toBe(true);
    const me = await browser.request("GET", "/me");
    expect(me.body.id).toBe(user.id);
  });

  it("refuses an ID token with a wrong iss", async () => {
    upstream.next = { claims: { iss: "http://127.0.0.1:1" } };
    const browser = server.client();
    expect(await honestCallback(browser)).toBe("/?provider_error=upstream_response_invalid");
    expect(browser.cookies.has("token")).toBe(false);
    expect(await lastReason()).toMatch(/"iss" \(issuer\) claim/);
  });

  it("refuses an ID token with a wrong aud", async () => {
    upstream.next = { claims: { aud: "someone-else" } };
    expect(await honestCallback(server.client())).toBe(
      "/?provider_error=upstream_response_invalid",
    );
    expect(await lastReason()).toMatch(/"aud" \(audience\)/);
  });

  it("refuses an ID token with a bad signature", async () => {
    upstream.next = { signing: "foreign-key" };
    expect(await honestCallback(server.client())).toBe(
      "/?provider_error=upstream_response_invalid",
    );
    expect(await lastReason()).toMatch(/signature verification failed/);
  });

  it("refuses an unsigned ID token (alg none)", async () => {
    upstream.next = { signing: "none" };
    expect(await honestCallback(server.client())).toBe(
      "/?provider_error=upstream_response_invalid",
    );
    expect(await lastReason()).toMatch(/"alg" header/);
  });

  it("refuses an expired ID token", async () => {
    const now = Math.floor(Date.now() / 1000);
    upstream.next = { claims: { iat: now - 7200, exp: now - 3600 } };
    expect(await honestCallback(server.client())).toBe(
      "/?provider_error=upstream_response_invalid",
    );
    expect(await lastReason()).toMatch(/"exp" \(expiration time\)/);
  });

  it("refuses an ID token issued in the future", async () => {
    const now = Math.floor(Date.now() / 1000);
    upstream.next = { claims: { iat: now + 3600, exp: now + 7200 } };
    expect(await honestCallback(server.client())).toBe(
      "/?provider_error=upstream_response_invalid",
    );
    expect(await lastReason()).toMatch(/"(iat|nbf)"/);
  });

  it("refuses an ID token whose nonce is not the request's", async () => {
    upstream.next = { claims: { nonce: "another-nonce" } };
    expect(await honestCallback(server.client())).toBe(
      "/?provider_error=upstream_response_invalid",
    );
    expect(await lastReason()).toMatch(/"nonce" claim/);
  });

  it("refuses a callback whose state is not the browser's (login CSRF)", async () => {
    const browser = server.client();
    await start(browser);
    expect(
      await callback(browser, { code: "c1", state: "attacker-state", iss: upstream.issuer }),
    ).toBe("/?provider_error=upstream_response_invalid");
    // A victim's browser that started nothing: the attacker's callback finds no flow.
    const victim = server.client();
    const attacker = server.client();
    const { state } = await start(attacker);
    expect(await callback(victim, { code: "c1", state, iss: upstream.issuer })).toBe(
      "/?provider_error=upstream_flow_invalid",
    );
    expect(victim.cookies.has("token")).toBe(false);
  });

  it("refuses a mix-up: the response's iss names another provider", async () => {
    const browser = server.client();
    const { state } = await start(browser);
    expect(await callback(browser, { code: "c1", state, iss: other.issuer })).toBe(
      "/?provider_error=upstream_response_invalid",
    );
    expect((await refusals()).some((detail) => detail.provider === providerId)).toBe(true);
    expect(await lastReason()).toMatch(/"iss" \(issuer\) response parameter/);
  });

  it("refuses a callback replayed", async () => {
    const user = await createVerifiedUser(`replay-${providerCounter}@example.org`);
    upstream.next = { claims: { email: user.email, sub: `replay-${providerCounter}` } };
    const browser = server.client();
    const { state } = await start(browser);
    const flow = browser.cookies.get("tessera_upstream_flow")!;
    expect(await callback(browser, { code: "c1", state, iss: upstream.issuer })).toBe("/account");
    const replay = server.client();
    replay.cookies.set("tessera_upstream_flow", flow);
    expect(await callback(replay, { code: "c1", state, iss: upstream.issuer })).toBe(
      "/?provider_error=upstream_flow_invalid",
    );
    expect(replay.cookies.has("token")).toBe(false);
    expect(await lastReason()).toMatch(/^flow_used$/);
  });

  it("refuses a callback for a provider that was removed", async () => {
    const browser = server.client();
    const { state } = await start(browser);
    await removeUpstreamProvider(server.tessera.ctx, server.tessera.upstream!, providerId);
    const query = new URLSearchParams({ code: "c1", state, iss: upstream.issuer });
    const response = await browser.request(
      "GET",
      `/login/providers/${providerId}/callback?${query}`,
    );
    expect(response.status).toBe(404);
    expect(response.body.code).toBe("not_found");
    expect(browser.cookies.has("token")).toBe(false);
    expect(await lastReason()).toMatch(/^provider_removed$/);
  });
});

describe("who is who with a hostile upstream", () => {
  it("never links automatically on email_verified false: it asks the person to sign in first", async () => {
    const user = await createVerifiedUser(`unverified-${providerCounter}@example.org`);
    upstream.next = {
      claims: { email: user.email, email_verified: false, sub: `attacker-${providerCounter}` },
    };
    const browser = server.client();
    expect(await honestCallback(browser)).toBe("/?provider_pending=link");
    expect(browser.cookies.has("token")).toBe(false);
    expect(await linksOf(user.id)).toEqual([]);
    // "true" as a string is not a verification either.
    upstream.next = {
      claims: { email: user.email, email_verified: "true", sub: `attacker2-${providerCounter}` },
    };
    expect(await honestCallback(server.client())).toBe("/?provider_pending=link");
    expect(await linksOf(user.id)).toEqual([]);
  });

  it("keeps the link on the sub when the upstream changes the email of a known sub", async () => {
    const first = await createVerifiedUser(`first-${providerCounter}@example.org`);
    const second = await createVerifiedUser(`second-${providerCounter}@example.org`);
    const sub = `moving-${providerCounter}`;
    upstream.next = { claims: { email: first.email, sub } };
    const browser = server.client();
    expect(await honestCallback(browser)).toBe("/account");
    upstream.next = { claims: { email: second.email, sub } };
    const later = server.client();
    expect(await honestCallback(later)).toBe("/account");
    const me = await later.request("GET", "/me");
    expect(me.body.id).toBe(first.id);
    expect(await linksOf(second.id)).toEqual([]);
    expect((await linksOf(first.id)).map((link) => link.subject)).toEqual([sub]);
  });

  it("never picks one of two local accounts with the same verified address: it asks", async () => {
    // The unique index on the folded address keeps two accounts from sharing one today…
    await createVerifiedUser(`shared-${providerCounter}@example.org`);
    await expect(
      server.createUser({ email: `Shared-${providerCounter}@example.org` }),
    ).rejects.toThrow();
    // …and the rule itself asks rather than picks when several match.
    expect(
      decideFirstSignIn({
        policy: "verified-email",
        identity: { email: "shared@example.org", emailVerified: true },
        candidates: [
          { userId: "a", emailVerified: true },
          { userId: "b", emailVerified: true },
        ],
        mayCreateAccounts: true,
      }),
    ).toEqual({ kind: "ask" });
  });

  it("refuses an unknown person when the provider creates no accounts, with a clear code", async () => {
    upstream.next = {
      claims: { email: `nobody-${providerCounter}@example.org`, sub: `nobody-${providerCounter}` },
    };
    expect(await honestCallback(server.client())).toBe(
      "/?provider_error=upstream_account_not_found",
    );
  });
});
