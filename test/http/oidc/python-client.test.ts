/**
 * A second relying party nobody here wrote, in another language (issue 21 item 9): Python's
 * Authlib (OAuth2Session, JsonWebToken) with requests, and PyJWT's PyJWKClient, from Debian,
 * run by test/python/oidc_rp.py under /usr/bin/python3. Python does discovery, builds the
 * authorization URL (PKCE S256, state, nonce), exchanges the code, verifies the ID token against
 * the JWKS (signature, iss, aud, exp, iat, nonce), reads userinfo and refreshes; the browser's
 * part (Tessera's sign-in and consent pages) is a cookie jar here, and the URL it is sent back
 * to goes to Python. Without Debian's packages the test is skipped with the reason printed,
 * except under CI=true, where it fails (.ci/run installs them).
 */
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { follow, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import { PYTHON, pythonModules, startLineProcess, type LineProcess } from "../../helpers/python.js";

const RP_SCRIPT = fileURLToPath(new URL("../../python/oidc_rp.py", import.meta.url));
const REDIRECT_URI = "http://127.0.0.1:9/python/callback";

const python = pythonModules(
  ["authlib", "requests", "jwt", "cryptography"],
  "python3-authlib python3-requests python3-jwt python3-cryptography",
);
const inCi = process.env.CI === "true";
if (!python.available && !inCi) console.warn(`Skipping the Python client test: ${python.reason}`);

describe.skipIf(!python.available && !inCi)("Debian's Python packages", () => {
  it("has Authlib, requests and PyJWT under /usr/bin/python3", () => {
    expect(python.available, python.reason).toBe(true);
  });
});

describe.skipIf(!python.available && !inCi)("OpenID Connect: a Python client (Authlib)", () => {
  let server: OidcTestServer;
  let rp: LineProcess | undefined;
  beforeEach(async () => {
    server = await startOidcTestServer("sqlite");
  });
  afterEach(async () => {
    rp?.kill();
    await server.close();
  });

  it("signs a person in through Tessera's pages and consent, then verifies, reads and refreshes", async () => {
    const user = await server.createUser({ email: "grace@example.org" });
    // A third-party client: the person consents on Tessera's consent page.
    const { clientId, clientSecret } = await server.addClient({
      name: "Python notebook",
      redirectUris: [REDIRECT_URI],
    });
    rp = startLineProcess(PYTHON, [
      RP_SCRIPT,
      JSON.stringify({
        issuer: server.issuer,
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uri: REDIRECT_URI,
        scope: "openid email profile",
      }),
    ]);
    const started = JSON.parse(await rp.nextLine()) as { authorization_url?: string };
    expect(started.authorization_url, rp.stderr()).toBeTypeOf("string");
    const asked = new URL(started.authorization_url!);
    expect(asked.origin + asked.pathname).toBe(`${server.issuer}/oidc/auth`);
    expect(asked.searchParams.get("code_challenge_method")).toBe("S256");
    expect(asked.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(asked.searchParams.get("state")).toBeTruthy();
    expect(asked.searchParams.get("nonce")).toBeTruthy();

    // The browser: Tessera's sign-in page, then its consent page, then back to the app.
    const browser = server.browser();
    const first = await follow(browser, server.issuer, asked.href);
    expect(first.final).toMatch(/\/\?next=%2Foidc%2Finteraction%2F/);
    await browser.login(user.name, user.password);
    const next = new URL(first.final).searchParams.get("next")!;
    const toConsent = await follow(browser, server.issuer, server.issuer + next);
    const consentPage = new URL(toConsent.final);
    expect(consentPage.pathname).toBe("/consent");
    const uid = consentPage.searchParams.get("interaction")!;
    const details = await browser.request("GET", `/oidc/interaction/${uid}/details`);
    expect(details.body).toMatchObject({
      client: { client_id: clientId, name: "Python notebook", first_party: false },
    });
    expect([...details.body.scopes].sort()).toEqual(["email", "openid", "profile"]);
    const consent = await browser.request("POST", `/oidc/interaction/${uid}/consent`, {
      json: { approve: true },
    });
    expect(consent.status).toBe(200);
    const back = await follow(browser, server.issuer, consent.body.redirect_to as string);
    expect(back.final.startsWith(`${REDIRECT_URI}?`)).toBe(true);

    rp.writeLine(JSON.stringify({ callback: back.final }));
    const result = JSON.parse(await rp.nextLine()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Python's JSON
    expect(result, rp.stderr()).toMatchObject({ ok: true });
    expect(await rp.exited).toBe(0);

    expect(result.id_token_header).toMatchObject({ alg: "RS256" });
    expect(result.id_token_header.kid).toBeTypeOf("string");
    expect(result.claims).toMatchObject({
      iss: server.issuer,
      aud: clientId,
      sub: user.id,
      nonce: result.nonce,
      email: "grace@example.org",
      email_verified: false,
      preferred_username: user.name,
      amr: ["pwd"],
      acr: "urn:tessera:loa:1",
    });
    expect(result.pyjwt_sub).toBe(user.id);
    // Authlib refuses the token with a changed signature, and with another nonce.
    expect(result.refusals).toEqual({ signature: "BadSignatureError", nonce: "InvalidClaimError" });
    expect(result.userinfo).toMatchObject({ sub: user.id, email: "grace@example.org" });
    expect(result.refresh_token_rotated).toBe(true);
    expect(result.access_token_changed).toBe(true);
    expect(result.refreshed_claims).toMatchObject({
      iss: server.issuer,
      aud: clientId,
      sub: user.id,
    });
    expect(result.scope.split(" ").sort()).toEqual(["email", "openid", "profile"]);
  });
});
