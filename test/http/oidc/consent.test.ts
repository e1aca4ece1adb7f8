/**
 * Consent (issue 21 items 4 and 8): a third-party client never skips the consent page on its
 * first visit, even when the person consented to another client; a first-party client skips
 * it; consent is remembered per person, client and scope (another browser, another session,
 * skips it; a new scope asks for that scope only); a refusal is remembered as nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import {
  authorizationRequest,
  discover,
  REDIRECT_URI,
  runBrowser,
} from "../../helpers/oidc-flow.js";
import type { TestClient } from "../../helpers/server.js";

describe("OpenID Connect: consent", () => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite");
  });
  afterAll(async () => {
    await server.close();
  });

  /** The browser's run for an authorization request of the client, approving consent. */
  async function visit(
    clientId: string,
    browser: TestClient,
    user: { name: string; password: string },
    scope = "openid email",
  ) {
    const config = await discover(server, clientId);
    const request = await authorizationRequest(config, { scope });
    const run = await runBrowser(server, browser, request.url.href, { user, consent: "approve" });
    expect(run.final.href.startsWith(REDIRECT_URI), run.hops.join(" -> ")).toBe(true);
    expect(run.final.searchParams.has("code")).toBe(true);
    return run;
  }

  it("asks on a third-party client's first visit, even after consent to another client", async () => {
    const user = await server.createUser({});
    const photos = await server.addClient({ name: "Photos", public: true });
    const calendar = await server.addClient({ name: "Calendar", public: true });
    const browser = server.browser();

    // Photos: sign in, then the consent page, which names the client and the scopes.
    const config = await discover(server, photos.clientId);
    const request = await authorizationRequest(config, { scope: "openid email" });
    const stopped = await runBrowser(server, browser, request.url.href, { user, consent: "stop" });
    expect(stopped.pages).toEqual(["sign-in", "consent"]);
    const uid = stopped.final.searchParams.get("interaction")!;
    const details = await browser.request("GET", `/oidc/interaction/${uid}/details`);
    expect(details.status).toBe(200);
    expect(details.body.client).toMatchObject({
      client_id: photos.clientId,
      name: "Photos",
      first_party: false,
    });
    expect([...details.body.scopes].sort()).toEqual(["email", "openid"]);
    // Nothing is issued before the answer.
    expect(stopped.final.origin).toBe(server.issuer);
    const approved = await runBrowser(server, browser, request.url.href, { consent: "approve" });
    expect(approved.final.searchParams.has("code")).toBe(true);

    // Calendar, same browser, same person, same scopes: asked all the same.
    const calendarRun = await visit(calendar.clientId, browser, user);
    expect(calendarRun.pages).toEqual(["consent"]);
  });

  it("skips the page for a first-party client", async () => {
    const user = await server.createUser({});
    const own = await server.addClient({ name: "Our wiki", public: true, firstParty: true });
    const run = await visit(own.clientId, server.browser(), user, "openid email profile");
    expect(run.pages).toEqual(["sign-in"]);
  });

  it("remembers consent per person, client and scope", async () => {
    const user = await server.createUser({});
    const photos = await server.addClient({ name: "Photos", public: true });
    expect((await visit(photos.clientId, server.browser(), user)).pages).toEqual([
      "sign-in",
      "consent",
    ]);
    // Same browser again: nothing to ask.
    const browser = server.browser();
    expect((await visit(photos.clientId, browser, user)).pages).toEqual(["sign-in"]);
    expect((await visit(photos.clientId, browser, user)).pages).toEqual([]);
    // Fewer scopes: nothing to ask either.
    expect((await visit(photos.clientId, browser, user, "openid")).pages).toEqual([]);

    // A scope not granted yet: the page asks for that one only.
    const config = await discover(server, photos.clientId);
    const wider = await authorizationRequest(config, { scope: "openid email profile" });
    const stopped = await runBrowser(server, browser, wider.url.href, { consent: "stop" });
    expect(stopped.pages).toEqual(["consent"]);
    const uid = stopped.final.searchParams.get("interaction")!;
    const details = await browser.request("GET", `/oidc/interaction/${uid}/details`);
    expect(details.body.scopes).toEqual(["profile"]);

    // Another person on the same client is asked: consent is that person's.
    const other = await server.createUser({});
    expect((await visit(photos.clientId, server.browser(), other)).pages).toEqual([
      "sign-in",
      "consent",
    ]);
  });

  it("sends access_denied on a refusal, and asks again next time", async () => {
    const user = await server.createUser({});
    const photos = await server.addClient({ name: "Photos", public: true });
    const browser = server.browser();
    const config = await discover(server, photos.clientId);
    const request = await authorizationRequest(config);
    const stopped = await runBrowser(server, browser, request.url.href, { user, consent: "stop" });
    const uid = stopped.final.searchParams.get("interaction")!;
    const denied = await browser.request("POST", `/oidc/interaction/${uid}/consent`, {
      json: { approve: false },
    });
    expect(denied.status).toBe(200);
    const back = await runBrowser(
      server,
      browser,
      new URL(denied.body.redirect_to as string, server.issuer).href,
    );
    expect(back.final.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(back.final.searchParams.get("error")).toBe("access_denied");
    expect(back.final.searchParams.has("code")).toBe(false);
    expect((await visit(photos.clientId, browser, user)).pages).toEqual(["consent"]);
  });
});
