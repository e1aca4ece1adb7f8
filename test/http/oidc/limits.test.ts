/**
 * The provider's abuse limits (issue 21 items 2 and 8), raced as an attacker would: 100
 * requests released together on 100 connections opened beforehand (`raceRequests`).
 *
 * - The token endpoint (and introspection, revocation, device authorization) counts requests
 *   per client and network: exactly the limit pass, the rest get 429 with `Retry-After` and
 *   `too_many_requests` (`slow_down` for a device polling); the same client from another
 *   network, and another client, are not held back; a client id that is not registered counts
 *   per network. The client id is read where the provider reads it: the Basic header or the
 *   body.
 * - Device user codes: wrong codes per network and per Tessera session; refused attempts are
 *   never looked up, and the right code is refused while the limit holds.
 *
 * Both dialects: SQLite counts in the database, PostgreSQL runs use Redis (test/helpers/server.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countStatuses, raceRequests } from "../../helpers/parallel.js";
import { startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import type { TestClient } from "../../helpers/server.js";

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const CLIENT_LIMIT = 10;
const UNKNOWN_LIMIT = 5;
/** `OIDC_USER_CODE_ADDRESS_POLICY` and `OIDC_USER_CODE_SESSION_POLICY`. */
const USER_CODE_ADDRESS_LIMIT = 30;
const USER_CODE_SESSION_LIMIT = 10;
/** A well-formed user code (base-20, 8 characters) that no device was given. */
const WRONG_CODE = "BBBB-BBBB";

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

const FORM = { "content-type": "application/x-www-form-urlencoded" };

describe.each(["sqlite", "postgres"] as const)("OpenID provider abuse limits (%s)", (dialect) => {
  let server: OidcTestServer;
  beforeAll(async () => {
    server = await startOidcTestServer(dialect, {
      env: {
        TESSERA_OIDC_CLIENT_REQUESTS_PER_MINUTE: String(CLIENT_LIMIT),
        TESSERA_OIDC_UNKNOWN_CLIENT_REQUESTS_PER_MINUTE: String(UNKNOWN_LIMIT),
        // Requests name their network in X-Forwarded-For (the test is the proxy).
        TESSERA_TRUSTED_PROXIES: "127.0.0.1",
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const tokenRequest = (authorization: string, network: string) => ({
    method: "POST",
    path: "/oidc/token",
    body: "grant_type=client_credentials",
    headers: { ...FORM, authorization, "x-forwarded-for": network },
  });

  it("lets exactly the limit of one client's token requests through from one network", async () => {
    const worker = await server.addClient({
      name: "Worker",
      redirectUris: [],
      grants: ["client_credentials"],
    });
    const auth = basic(worker.clientId, worker.clientSecret!);
    const answers = await raceRequests(
      server.baseUrl,
      Array.from({ length: 100 }, () => tokenRequest(auth, "192.0.2.10")),
    );
    expect(countStatuses(answers)).toEqual({ 200: CLIENT_LIMIT, 429: 100 - CLIENT_LIMIT });
    const refused = answers.find((answer) => answer.status === 429)!;
    expect(refused.body).toMatchObject({ error: "too_many_requests" });
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);

    // The same client from another network, and another client from this one, go on.
    const [elsewhere] = await raceRequests(server.baseUrl, [tokenRequest(auth, "198.51.100.20")]);
    expect(elsewhere!.status).toBe(200);
    const other = await server.addClient({
      name: "Other worker",
      redirectUris: [],
      grants: ["client_credentials"],
    });
    const [second] = await raceRequests(server.baseUrl, [
      tokenRequest(basic(other.clientId, other.clientSecret!), "192.0.2.10"),
    ]);
    expect(second!.status).toBe(200);
  });

  it("counts a client named in the body, and tells a polling device to slow down", async () => {
    const device = await server.addClient({
      name: "CLI",
      public: true,
      redirectUris: [],
      grants: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
    });
    const answers = await raceRequests(
      server.baseUrl,
      Array.from({ length: 100 }, () => ({
        method: "POST",
        path: "/oidc/device/auth",
        body: `client_id=${encodeURIComponent(device.clientId)}&scope=openid`,
        headers: { ...FORM, "x-forwarded-for": "192.0.2.30" },
      })),
    );
    expect(countStatuses(answers)).toEqual({ 200: CLIENT_LIMIT, 429: 100 - CLIENT_LIMIT });
    const deviceCode = answers.find((answer) => answer.status === 200)!.body.device_code as string;

    const [poll] = await raceRequests(server.baseUrl, [
      {
        method: "POST",
        path: "/oidc/token",
        body: new URLSearchParams({
          grant_type: DEVICE_GRANT,
          device_code: deviceCode,
          client_id: device.clientId,
        }).toString(),
        headers: { ...FORM, "x-forwarded-for": "192.0.2.30" },
      },
    ]);
    expect(poll!.status).toBe(429);
    expect(poll!.body).toMatchObject({ error: "slow_down" });
    expect(Number(poll!.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  });

  it("counts requests naming no registered client per network", async () => {
    const answers = await raceRequests(
      server.baseUrl,
      Array.from({ length: 100 }, (_, i) =>
        tokenRequest(basic(`no-such-client-${i}`, "secret"), "192.0.2.40"),
      ),
    );
    expect(countStatuses(answers)).toEqual({ 401: UNKNOWN_LIMIT, 429: 100 - UNKNOWN_LIMIT });
    expect(answers.find((answer) => answer.status === 401)!.body).toMatchObject({
      error: "invalid_client",
    });
  });

  describe("device user codes", () => {
    let rightCode: string;
    beforeAll(async () => {
      const device = await server.addClient({
        name: "Device CLI",
        public: true,
        redirectUris: [],
        grants: ["urn:ietf:params:oauth:grant-type:device_code"],
      });
      const [answer] = await raceRequests(server.baseUrl, [
        {
          method: "POST",
          path: "/oidc/device/auth",
          body: `client_id=${encodeURIComponent(device.clientId)}&scope=openid`,
          headers: FORM,
        },
      ]);
      expect(answer!.status).toBe(200);
      rightCode = answer!.body.user_code as string;
      expect(rightCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    });

    /** A browser on the code entry page: its cookies and the form's anti-forgery value. */
    async function entryPage(
      tesseraCookie?: string,
    ): Promise<{ cookie: string; xsrf: string; browser: TestClient }> {
      const browser = server.browser();
      if (tesseraCookie !== undefined) browser.cookies.set("token", tesseraCookie);
      const page = await browser.request("GET", "/oidc/device");
      expect(page.status).toBe(200);
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)?.[1];
      expect(xsrf).toBeDefined();
      const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      return { cookie, xsrf: xsrf!, browser };
    }

    function codeEntry(page: { cookie: string; xsrf: string }, code: string, network: string) {
      return {
        method: "POST",
        path: "/oidc/device",
        body: new URLSearchParams({ xsrf: page.xsrf, user_code: code }).toString(),
        headers: { ...FORM, cookie: page.cookie, "x-forwarded-for": network, accept: "text/html" },
      };
    }

    it("checks at most the limit of 100 parallel wrong codes from one network, then refuses the right one", async () => {
      const pages = [];
      for (let i = 0; i < 100; i += 1) pages.push(await entryPage());
      const answers = await raceRequests(
        server.baseUrl,
        pages.map((page) => codeEntry(page, WRONG_CODE, "192.0.2.50")),
      );
      // A checked wrong code re-renders the page (200); a refused one is never looked up.
      expect(countStatuses(answers)).toEqual({
        200: USER_CODE_ADDRESS_LIMIT,
        429: 100 - USER_CODE_ADDRESS_LIMIT,
      });
      expect(Number(answers.find((a) => a.status === 429)!.headers["retry-after"])).toBeGreaterThan(
        0,
      );

      const [right] = await raceRequests(server.baseUrl, [
        codeEntry(await entryPage(), rightCode, "192.0.2.50"),
      ]);
      expect(right!.status).toBe(429);
      // From another network the right code is taken (the confirmation page names the client).
      const fresh = await entryPage();
      const confirm = await fresh.browser.request("POST", "/oidc/device", {
        body: new URLSearchParams({ xsrf: fresh.xsrf, user_code: rightCode }).toString(),
        headers: { ...FORM, "x-forwarded-for": "192.0.2.51" },
      });
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain("Device CLI");
    });

    it("counts one Tessera session's wrong codes from any network", async () => {
      const user = await server.createUser({});
      const signedIn = server.browser();
      await signedIn.login(user.name, user.password);
      const token = signedIn.cookies.get("token")!;
      const pages = [];
      for (let i = 0; i < 100; i += 1) pages.push(await entryPage(token));
      const answers = await raceRequests(
        server.baseUrl,
        // 100 networks: only the session's counter can hold them.
        pages.map((page, i) => codeEntry(page, WRONG_CODE, `203.0.113.${i + 1}`)),
      );
      expect(countStatuses(answers)).toEqual({
        200: USER_CODE_SESSION_LIMIT,
        429: 100 - USER_CODE_SESSION_LIMIT,
      });
      const [right] = await raceRequests(server.baseUrl, [
        codeEntry(await entryPage(token), rightCode, "203.0.113.200"),
      ]);
      expect(right!.status).toBe(429);
      expect(right!.headers["content-type"]).toMatch(/text\/html/);
    });
  });
});
