/**
 * Issue 22 item 3: an invitation accepted through a provider links it. The invited account is
 * the one the token names (never one found by email); the token is used up as the password
 * path uses it up; the account stays without a password; the address counts as verified only
 * when the upstream verified that very address. With the honest test upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVITATION_VALIDITY_MS } from "../../../src/services/account/invitations.js";
import { issueEmailToken } from "../../../src/services/mail/email-tokens.js";
import { addUpstreamProvider } from "../../../src/services/upstream/providers.js";
import { startHostileUpstream, type HostileUpstream } from "../../helpers/hostile-upstream.js";
import { startTestServer, type TestClient, type TestServer } from "../../helpers/server.js";

const CLIENT_ID = "tessera-downstream";
const PROVIDER = "corp";
let server: TestServer;
let upstream: HostileUpstream;

beforeAll(async () => {
  server = await startTestServer("sqlite");
  upstream = await startHostileUpstream(CLIENT_ID);
  // The default policy: no account is created, and only a verified address links by itself.
  await addUpstreamProvider(server.tessera.ctx, server.tessera.upstream!, {
    id: PROVIDER,
    issuer: upstream.issuer,
    clientId: CLIENT_ID,
    clientSecret: "s3cret",
    name: "Corp SSO",
  });
});
afterAll(async () => {
  await server.close();
  await upstream.close();
});

let counter = 0;
/** An invited person (as `POST /users/create` with `invite` leaves them) and the token. */
async function invited(): Promise<{ id: string; email: string; token: string }> {
  counter += 1;
  const user = await server.createUser({ email: `invitee-${counter}@example.org` });
  const { token } = await issueEmailToken(server.tessera.ctx, {
    userId: user.id,
    purpose: "invitation",
    validityMs: INVITATION_VALIDITY_MS,
    data: { email: user.email },
  });
  return { id: user.id, email: user.email, token };
}

/** The invitation page's provider button: the token in the body, never in a URL. */
function startWith(browser: TestClient, token: string) {
  return browser.request("POST", `/login/providers/${PROVIDER}/invitation`, { json: { token } });
}

/** The start with the invitation; the upstream answers with `claims`; where Tessera sends. */
async function acceptThroughProvider(
  browser: TestClient,
  token: string,
  claims: Record<string, unknown>,
): Promise<string> {
  const started = await startWith(browser, token);
  expect(started.status, started.text).toBe(200);
  const { state } = upstream.authorize(started.body.redirect_to);
  upstream.next = { claims };
  const query = new URLSearchParams({ code: "c", state, iss: upstream.issuer });
  const back = await browser.request("GET", `/login/providers/${PROVIDER}/callback?${query}`);
  expect(back.status, back.text).toBe(303);
  return back.headers.get("location")!;
}

async function linksOf(userId: string) {
  return server.tessera.database.db
    .selectFrom("linked_identities")
    .select(["provider_id", "subject"])
    .where("user_id", "=", userId)
    .execute();
}

async function linksOfSubject(subject: string) {
  return server.tessera.database.db
    .selectFrom("linked_identities")
    .select("user_id")
    .where("subject", "=", subject)
    .execute();
}

describe("an invitation accepted through a provider", () => {
  it("links the identity to the invited account, verifies the same address, signs in, stays passwordless", async () => {
    const person = await invited();
    const browser = server.client();
    const where = await acceptThroughProvider(browser, person.token, {
      sub: `inv-${counter}`,
      email: person.email.toUpperCase(),
      email_verified: true,
    });
    expect(where).toBe("/account");
    const me = await browser.request("GET", "/me");
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ id: person.id, email_verified: true, has_password: false });
    expect(await linksOf(person.id)).toEqual([
      { provider_id: PROVIDER, subject: `inv-${counter}` },
    ]);
    // Used up, as the password path uses it up.
    const again = await server.client().request("POST", "/invitations/accept", {
      json: { token: person.token, new_password: "a long chosen passphrase 7" },
    });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe("invalid_email_token");
    // The next sign-in through the provider finds the link.
    const next = server.client();
    const started = await next.request("GET", `/login/providers/${PROVIDER}`);
    const { state } = upstream.authorize(started.headers.get("location")!);
    upstream.next = { claims: { sub: `inv-${counter}`, email: person.email } };
    const query = new URLSearchParams({ code: "c", state, iss: upstream.issuer });
    const back = await next.request("GET", `/login/providers/${PROVIDER}/callback?${query}`);
    expect(back.headers.get("location")).toBe("/account");
    expect((await next.request("GET", "/me")).body.id).toBe(person.id);
  });

  it("goes to the invited account, not to another with the upstream's address, which it leaves unverified", async () => {
    const person = await invited();
    const other = await server.createUser({ email: `other-${counter}@example.org` });
    await server.tessera.database.db
      .updateTable("users")
      .set({ email_verified_at: Date.now() })
      .where("id", "=", other.id)
      .execute();
    const browser = server.client();
    const where = await acceptThroughProvider(browser, person.token, {
      sub: `inv-other-${counter}`,
      email: other.email,
      email_verified: true,
    });
    expect(where).toBe("/account");
    const me = await browser.request("GET", "/me");
    expect(me.body).toMatchObject({ id: person.id, email_verified: false, has_password: false });
    expect(await linksOf(person.id)).toHaveLength(1);
    expect(await linksOf(other.id)).toEqual([]);
  });

  it("refuses a forged or used token at the start, and nothing is linked", async () => {
    const forged = await startWith(server.client(), "forged-token");
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe("invalid_email_token");

    const person = await invited();
    const used = await server.client().request("POST", "/invitations/accept", {
      json: { token: person.token, new_password: "a long chosen passphrase 7" },
    });
    expect(used.status, used.text).toBe(200);
    const late = await startWith(server.client(), person.token);
    expect(late.status).toBe(400);
    expect(late.body.code).toBe("invalid_email_token");
    expect(await linksOf(person.id)).toEqual([]);
  });

  it("refuses at the callback a token used up meanwhile, with a clear code, and links nothing", async () => {
    const person = await invited();
    const browser = server.client();
    const started = await startWith(browser, person.token);
    expect(started.status).toBe(200);
    // Meanwhile the invitation is accepted with a password.
    const accepted = await server.client().request("POST", "/invitations/accept", {
      json: { token: person.token, new_password: "a long chosen passphrase 7" },
    });
    expect(accepted.status).toBe(200);
    const { state } = upstream.authorize(started.body.redirect_to);
    upstream.next = { claims: { sub: `inv-late-${counter}`, email: person.email } };
    const query = new URLSearchParams({ code: "c", state, iss: upstream.issuer });
    const back = await browser.request("GET", `/login/providers/${PROVIDER}/callback?${query}`);
    expect(back.headers.get("location")).toBe("/?provider_error=invalid_email_token");
    expect(browser.cookies.has("token")).toBe(false);
    expect(await linksOfSubject(`inv-late-${counter}`)).toEqual([]);
  });

  it("refuses an expired token", async () => {
    const person = await invited();
    server.clock.advance(INVITATION_VALIDITY_MS + 1);
    const expired = await startWith(server.client(), person.token);
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe("invalid_email_token");
    expect(await linksOf(person.id)).toEqual([]);
  });
});
