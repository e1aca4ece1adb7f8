/**
 * Issue 22 items 2 to 4 through the real routes: everything local still applies after an
 * upstream sign-in (the second factor on Tessera's page, trusted upstream MFA, a link
 * confirmed after signing in the usual way, accounts created only when allowed, the last way
 * in kept), with the honest mode of the test upstream (test/helpers/hostile-upstream.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECOND_MS } from "../../../src/core/clock.js";
import { generateTotp } from "../../../src/core/totp.js";
import { addUpstreamProvider } from "../../../src/services/upstream/providers.js";
import type { AddUpstreamProviderInput } from "../../../src/services/upstream/providers.js";
import { startHostileUpstream, type HostileUpstream } from "../../helpers/hostile-upstream.js";
import { enableTotp } from "../../helpers/recovery-codes.js";
import { startTestServer, type TestClient, type TestServer } from "../../helpers/server.js";

const CLIENT_ID = "tessera-downstream";
let server: TestServer;
let upstream: HostileUpstream;

beforeAll(async () => {
  server = await startTestServer("sqlite");
  upstream = await startHostileUpstream(CLIENT_ID);
});
afterAll(async () => {
  await server.close();
  await upstream.close();
});

let counter = 0;
async function provider(extra: Partial<AddUpstreamProviderInput> = {}): Promise<string> {
  counter += 1;
  const id = `corp-${counter}`;
  await addUpstreamProvider(server.tessera.ctx, server.tessera.upstream!, {
    id,
    issuer: upstream.issuer,
    clientId: CLIENT_ID,
    clientSecret: "s3cret",
    name: "Corp SSO",
    ...extra,
  });
  return id;
}

async function signInUpstream(browser: TestClient, id: string): Promise<string> {
  const started = await browser.request("GET", `/login/providers/${id}`);
  expect(started.status, started.text).toBe(303);
  const { state } = upstream.authorize(started.headers.get("location")!);
  const query = new URLSearchParams({ code: "c", state, iss: upstream.issuer });
  const back = await browser.request("GET", `/login/providers/${id}/callback?${query}`);
  expect(back.status, back.text).toBe(303);
  return back.headers.get("location")!;
}

async function verifiedUser() {
  const user = await server.createUser({});
  await server.tessera.database.db
    .updateTable("users")
    .set({ email_verified_at: Date.now() })
    .where("id", "=", user.id)
    .execute();
  return user;
}

async function amrOf(browser: TestClient, userId: string): Promise<string[]> {
  const sessions = await browser.request("GET", `/users/${userId}/sessions`);
  expect(sessions.status, sessions.text).toBe(200);
  const current = (sessions.body as Array<{ current: boolean; amr: string[] }>).find(
    (item) => item.current,
  );
  return current!.amr;
}

describe("sign-in through an upstream provider", () => {
  it("lists the providers publicly for the sign-in page, never a secret", async () => {
    const id = await provider();
    const listed = await server.client().request("GET", "/login/providers");
    expect(listed.status).toBe(200);
    expect(listed.body.providers).toContainEqual({ id, name: "Corp SSO", available: true });
    expect(listed.text).not.toContain("s3cret");
  });

  it("asks a user with TOTP for it after the upstream, once, and records fed + otp", async () => {
    const id = await provider();
    const user = await verifiedUser();
    const setup = server.client();
    await setup.login(user.name, user.password);
    const secret = await enableTotp(server, setup, user.id);
    server.clock.advance(30 * SECOND_MS);
    upstream.next = { claims: { email: user.email, sub: `totp-${counter}`, amr: ["pwd"] } };
    const browser = server.client();
    expect(await signInUpstream(browser, id)).toBe("/?provider_pending=second_factor");
    expect(browser.cookies.has("token")).toBe(false);
    const pending = await browser.request("GET", "/login/providers/pending");
    expect(pending.body).toEqual({
      kind: "second_factor",
      provider_id: id,
      provider_name: "Corp SSO",
      email: user.email,
    });
    const asked = await browser.request("POST", "/login/providers/complete", { json: {} });
    expect(asked.status).toBe(403);
    expect(asked.body.code).toBe("two_fa_required");
    expect(asked.body.extra.totp_supported).toBe(true);
    const wrong = await browser.request("POST", "/login/providers/complete", {
      json: { two_fa_code: "000000" },
    });
    expect(wrong.body.code).toBe("invalid_two_fa_code");
    const code = generateTotp(secret, { clock: server.clock });
    const replay = browser.cookies.get("tessera_upstream_pending")!;
    const done = await browser.request("POST", "/login/providers/complete", {
      json: { two_fa_code: code },
    });
    expect(done.status, done.text).toBe(200);
    expect(done.body.id).toBe(user.id);
    expect(await amrOf(browser, user.id)).toEqual(["fed", "pwd", "otp"]);
    // The pending sign-in is used up.
    const again = server.client();
    again.cookies.set("tessera_upstream_pending", replay);
    server.clock.advance(30 * SECOND_MS);
    const second = await again.request("POST", "/login/providers/complete", {
      json: { two_fa_code: generateTotp(secret, { clock: server.clock }) },
    });
    expect(second.status).toBe(400);
    expect(second.body.code).toBe("upstream_flow_invalid");
  });

  it("takes the upstream's MFA for the second factor only with --trust-upstream-mfa", async () => {
    const id = await provider({ trustUpstreamMfa: true });
    const user = await verifiedUser();
    const setup = server.client();
    await setup.login(user.name, user.password);
    await enableTotp(server, setup, user.id);
    upstream.next = { claims: { email: user.email, sub: `mfa-${counter}`, amr: ["pwd", "mfa"] } };
    const browser = server.client();
    expect(await signInUpstream(browser, id)).toBe("/account");
    expect(await amrOf(browser, user.id)).toEqual(["fed", "pwd", "mfa"]);
    // Without mfa in amr the factor is asked for even so.
    upstream.next = { claims: { email: user.email, sub: `mfa-${counter}`, amr: ["pwd"] } };
    expect(await signInUpstream(server.client(), id)).toBe("/?provider_pending=second_factor");
  });

  it("links under sign-in-first only after the person signs in and confirms", async () => {
    const id = await provider({ link: "sign-in-first" });
    const user = await verifiedUser();
    upstream.next = { claims: { email: user.email, sub: `confirm-${counter}` } };
    const browser = server.client();
    expect(await signInUpstream(browser, id)).toBe("/?provider_pending=link");
    const pending = await browser.request("GET", "/login/providers/pending");
    expect(pending.body.kind).toBe("link");
    await browser.login(user.name, user.password);
    const confirmed = await browser.request("POST", "/login/providers/link");
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.linked.map((l: { provider_id: string }) => l.provider_id)).toEqual([id]);
    const later = server.client();
    expect(await signInUpstream(later, id)).toBe("/account");
    expect((await later.request("GET", "/me")).body.id).toBe(user.id);
  });

  it("never links under --link never", async () => {
    const id = await provider({ link: "never" });
    const user = await verifiedUser();
    upstream.next = { claims: { email: user.email, sub: `never-${counter}` } };
    expect(await signInUpstream(server.client(), id)).toBe(
      "/?provider_error=upstream_account_not_found",
    );
  });

  it("creates an account only when allowed, and keeps its only way in", async () => {
    const id = await provider({ createAccounts: true });
    upstream.next = {
      claims: {
        email: `new-${counter}@example.org`,
        sub: `new-${counter}`,
        preferred_username: "new.person",
      },
    };
    const browser = server.client();
    expect(await signInUpstream(browser, id)).toBe("/account");
    const me = await browser.request("GET", "/me");
    expect(me.body.email).toBe(`new-${counter}@example.org`);
    const linked = await browser.request("GET", "/me/linked-sign-ins");
    expect(linked.body.linked).toHaveLength(1);
    const unlink = await browser.request("DELETE", `/me/linked-sign-ins/${id}`);
    expect(unlink.status).toBe(409);
    expect(unlink.body.code).toBe("last_sign_in_method");
    // An unverified address never makes an account.
    upstream.next = {
      claims: { email: `unv-${counter}@example.org`, email_verified: false, sub: `unv-${counter}` },
    };
    expect(await signInUpstream(server.client(), id)).toBe(
      "/?provider_error=upstream_account_not_found",
    );
  });

  it("refuses a locked account after the upstream", async () => {
    const id = await provider();
    const user = await verifiedUser();
    await server.tessera.database.db
      .updateTable("users")
      .set({ locked_at: Date.now() })
      .where("id", "=", user.id)
      .execute();
    upstream.next = { claims: { email: user.email, sub: `locked-${counter}` } };
    expect(await signInUpstream(server.client(), id)).toBe("/?provider_error=account_locked");
  });

  it("lets an admin list the providers with their callback URL", async () => {
    const id = await provider();
    const admin = await server.createUser({ isAdmin: true });
    const browser = server.client();
    await browser.login(admin.name, admin.password);
    const listed = await browser.request("GET", "/providers");
    expect(listed.status).toBe(200);
    expect(listed.body.providers).toContainEqual(
      expect.objectContaining({
        id,
        callback_url: `${server.config.publicUrl}/login/providers/${id}/callback`,
      }),
    );
    expect(listed.text).not.toContain("s3cret");
  });
});
