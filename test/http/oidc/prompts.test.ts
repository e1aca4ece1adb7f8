/**
 * Fresh authentication on request (issue 21 items 3 and 8): `prompt=login` and `max_age=0` send
 * a signed-in person through Tessera's re-authentication (`/?next=…&reauthenticate=any`), and
 * only a new authentication lets the request finish; `acr_values=urn:tessera:loa:2` without a
 * second factor sends to `reauthenticate=second-factor`, and a session with one goes straight
 * through with that `acr`.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/core/clock.js";
import { generateTotp } from "../../../src/core/totp.js";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import { waitFor } from "../../helpers/wait.js";
import {
  authorizationRequest,
  codeFlow,
  discover,
  REDIRECT_URI,
  runBrowser,
} from "../../helpers/oidc-flow.js";

const SECOND_FACTOR = "urn:tessera:loa:2";

describe("OpenID Connect: prompt=login, max_age and acr_values", () => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite");
  });
  afterAll(async () => {
    await server.close();
  });

  /** A person signed in to a first-party client on a browser. */
  async function signedIn() {
    const user = await server.createUser({});
    const { clientId, clientSecret } = await server.addClient({ firstParty: true });
    const config = await discover(server, clientId, clientSecret);
    const flow = await codeFlow(server, config, user);
    return { user, config, browser: flow.browser, first: flow.tokens.claims()! };
  }

  /** Where the interaction sends the signed-in browser for these parameters. */
  async function stopFor(
    config: oidc.Configuration,
    browser: ReturnType<OidcTestServer["browser"]>,
    extra: Record<string, string>,
  ) {
    const request = await authorizationRequest(config, extra);
    const run = await runBrowser(server, browser, request.url.href);
    return { request, run };
  }

  for (const [what, extra] of [
    ["prompt=login", { prompt: "login" }],
    ["max_age=0", { max_age: "0" }],
  ] as const) {
    it(`${what} sends a signed-in person to authenticate again`, async () => {
      const { user, config, browser, first } = await signedIn();
      // Without it, single sign-on: straight back with a code.
      const plain = await stopFor(config, browser, {});
      expect(plain.run.final.href.startsWith(REDIRECT_URI)).toBe(true);

      const { request, run } = await stopFor(config, browser, extra);
      expect(run.final.origin, run.hops.join("\n -> ")).toBe(server.issuer);
      expect(run.final.pathname).toBe("/");
      expect(run.final.searchParams.get("reauthenticate")).toBe("any");
      const next = run.final.searchParams.get("next")!;
      expect(next).toMatch(/^\/oidc\/interaction\/[A-Za-z0-9_-]+$/);
      // Going back without authenticating again only comes back here.
      const stubborn = await runBrowser(server, browser, server.issuer + next);
      expect(stubborn.final.searchParams.get("reauthenticate")).toBe("any");

      const again = await browser.request("POST", "/reauthenticate", {
        json: { password: user.password },
      });
      expect(again.status, again.text).toBe(200);
      const done = await runBrowser(server, browser, server.issuer + next);
      expect(done.final.href.startsWith(REDIRECT_URI), done.hops.join(" -> ")).toBe(true);
      const tokens = await oidc.authorizationCodeGrant(config, done.final, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
        ...(what === "max_age=0" ? { maxAge: 0 } : {}),
      });
      const claims = tokens.claims()!;
      expect(claims.sub).toBe(user.id);
      expect(claims.auth_time).toBeGreaterThanOrEqual(first.auth_time as number);
      // The same Tessera session, authenticated again.
      expect(claims.sid).toBe(first.sid);
    });
  }

  it("prompt=login asks again even when the last authentication was in the same second", async () => {
    const { user, config, browser } = await signedIn();
    // Early in a second: authenticate, then ask for a fresh authentication at once, so that
    // both most likely fall in the same second (the interaction's `iat` has no milliseconds).
    await waitFor(() => Date.now() % 1000 < 100, { pollMs: 2 });
    const again = await browser.request("POST", "/reauthenticate", {
      json: { password: user.password },
    });
    expect(again.status, again.text).toBe(200);
    const { run } = await stopFor(config, browser, { prompt: "login" });
    expect(run.final.origin, run.hops.join(" -> ")).toBe(server.issuer);
    expect(run.final.searchParams.get("reauthenticate")).toBe("any");
  });

  it("prompt=login asks a person who is not signed in to sign in once, not twice", async () => {
    const user = await server.createUser({});
    const { clientId, clientSecret } = await server.addClient({ firstParty: true });
    const config = await discover(server, clientId, clientSecret);
    const request = await authorizationRequest(config, { prompt: "login" });
    const run = await runBrowser(server, server.browser(), request.url.href, { user });
    expect(run.pages).toEqual(["sign-in"]);
    expect(run.final.href.startsWith(REDIRECT_URI), run.hops.join(" -> ")).toBe(true);
    expect(run.final.searchParams.has("code")).toBe(true);
  });

  it("acr_values=urn:tessera:loa:2 without a second factor sends to reauthenticate=second-factor", async () => {
    const { config, browser, first } = await signedIn();
    expect(first.acr).toBe("urn:tessera:loa:1");
    const { run } = await stopFor(config, browser, { acr_values: SECOND_FACTOR });
    expect(run.final.origin).toBe(server.issuer);
    expect(run.final.pathname).toBe("/");
    expect(run.final.searchParams.get("reauthenticate")).toBe("second-factor");
    expect(run.final.searchParams.get("next")).toMatch(/^\/oidc\/interaction\//);
  });

  it("acr_values=urn:tessera:loa:2 with a second factor goes through with that acr", async () => {
    const user = await server.createUser({});
    const browser = server.browser();
    await browser.login(user.name, user.password);
    const setup = await browser.request("POST", `/users/${user.id}/2fa/totp/setup`);
    expect(setup.status).toBe(200);
    const secret = setup.body.secret as string;
    const confirmed = await browser.request("POST", `/users/${user.id}/2fa/totp/confirm`, {
      json: { code: generateTotp(secret, { clock: systemClock }) },
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    // Sign in with the password and the next step's code (the current one is claimed).
    const withCode = server.browser();
    await withCode.login(user.name, user.password, {
      two_fa_code: generateTotp(secret, { clock: () => systemClock() + 30_000 }),
    });

    const { clientId, clientSecret } = await server.addClient({ firstParty: true });
    const config = await discover(server, clientId, clientSecret);
    const { request, run } = await stopFor(config, withCode, { acr_values: SECOND_FACTOR });
    expect(run.pages).toEqual([]);
    expect(run.final.href.startsWith(REDIRECT_URI)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, run.final, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const claims = tokens.claims()!;
    expect(claims.acr).toBe(SECOND_FACTOR);
    expect(claims.amr).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));
  });
});
