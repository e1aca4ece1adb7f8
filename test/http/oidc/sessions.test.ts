/**
 * Sessions are one thing (issue 21 items 5 and 8): when the Tessera session a client's tokens
 * came from ends, by any path (sign-out, "sign out everywhere", an admin ending it, an admin
 * locking the person, a password reset, a password change elsewhere), the refresh token
 * without `offline_access` stops working and the one with it keeps working (except for a locked
 * person, who has no account any more), and the client that registered a
 * `backchannel_logout_uri` receives a logout token (a small node:http receiver here) that
 * verifies against the JWKS and carries the session's `sid`. Only an operator-registered
 * client's URIs may be on the loopback or a private network: for a dynamically registered
 * client the provider keeps its guard against them, so none is sent there.
 */
import { createServer, type Server } from "node:http";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startOidcTestServer, type OidcTestServer } from "../../helpers/oidc.js";
import { codeFlow, decodeJwt, discover, fetchJwks, verifyJwt } from "../../helpers/oidc-flow.js";
import type { TestClient } from "../../helpers/server.js";
import { waitFor } from "../../helpers/wait.js";
import { DYNAMICALLY_REGISTERED } from "../../../src/services/oidc/clients.js";
import { findOidcClient, setOidcClientMetadata } from "../../../src/store/index.js";

const BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/** A client's back-channel logout endpoint: every logout token it receives. */
interface Receiver {
  uri: string;
  tokens: string[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const port = await freePort();
  const tokens: string[] = [];
  const http: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const token = form.get("logout_token");
      if (request.method === "POST" && request.url === "/backchannel" && token !== null) {
        tokens.push(token);
        response.writeHead(200).end();
      } else {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(port, "127.0.0.1", resolve));
  return {
    uri: `http://127.0.0.1:${port}/backchannel`,
    tokens,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}

/** A strong new password for the password paths. */
const NEW_PASSWORD = "Kettle-violet-harbour-97-quietly";

/** The ways a Tessera session ends: each is given the signed-in browser, the person and an admin. */
const PATHS: Record<
  string,
  (input: {
    server: OidcTestServer;
    browser: TestClient;
    user: { id: string; name: string; password: string };
    admin: TestClient;
    sessionId: string;
  }) => Promise<void>
> = {
  "POST /logout": async ({ browser }) => {
    expect((await browser.request("POST", "/logout")).status).toBe(200);
  },
  "sign out everywhere (POST /logout/all)": async ({ browser }) => {
    expect((await browser.request("POST", "/logout/all")).status).toBe(200);
  },
  "an admin ending the session": async ({ admin, user, sessionId }) => {
    const answer = await admin.request("DELETE", `/users/${user.id}/sessions/${sessionId}`);
    expect(answer.status, answer.text).toBe(200);
  },
  "an admin locking the person": async ({ admin, user }) => {
    const answer = await admin.request("POST", `/users/${user.id}/lock`, {
      json: { reason: "lost laptop" },
    });
    expect(answer.status, answer.text).toBe(200);
  },
  "an admin resetting the password": async ({ admin, user }) => {
    const answer = await admin.request("PATCH", `/users/${user.id}/password/reset`, {
      json: { new_password: NEW_PASSWORD },
    });
    expect(answer.status, answer.text).toBe(200);
  },
  "the person changing the password elsewhere": async ({ server, user }) => {
    const elsewhere = server.browser();
    await elsewhere.login(user.name, user.password);
    const answer = await elsewhere.request("PATCH", `/users/${user.id}/password/change`, {
      json: { old_password: user.password, new_password: NEW_PASSWORD },
    });
    expect(answer.status, answer.text).toBe(200);
  },
};

describe("OpenID Connect: the client's tokens end with the Tessera session", () => {
  let server: OidcTestServer;
  let receiver: Receiver;
  let admin: TestClient;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite");
    receiver = await startReceiver();
    const adminUser = await server.createUser({ isAdmin: true });
    admin = server.browser();
    await admin.login(adminUser.name, adminUser.password);
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  for (const [path, end] of Object.entries(PATHS)) {
    it(`after ${path}`, async () => {
      const user = await server.createUser({});
      // "Notes" refreshes online and is told of the logout; "Backup" holds offline_access.
      const notes = await server.addClient({
        name: "Notes",
        firstParty: true,
        backchannelLogoutUri: receiver.uri,
      });
      const backup = await server.addClient({ name: "Backup", firstParty: true });
      const notesConfig = await discover(server, notes.clientId, notes.clientSecret);
      const backupConfig = await discover(server, backup.clientId, backup.clientSecret);
      const online = await codeFlow(server, notesConfig, user);
      // The same browser: single sign-on, the same Tessera session, no sign-in page.
      const offline = await codeFlow(server, backupConfig, user, {
        browser: online.browser,
        extra: { scope: "openid offline_access", prompt: "consent" },
      });
      expect(offline.run.pages).toEqual([]);
      expect(offline.tokens.scope?.split(" ")).toContain("offline_access");
      const sid = online.tokens.claims()!.sid as string;
      expect(offline.tokens.claims()!.sid).toBe(sid);
      const received = receiver.tokens.length;

      await end({ server, browser: online.browser, user, admin, sessionId: sid });

      // The online grant is revoked after the answer: poll for it.
      await waitFor(
        async () =>
          !(await oidc.tokenIntrospection(notesConfig, online.tokens.refresh_token!)).active,
      );
      await server.tessera.oidc!.settled();
      await expect(
        oidc.refreshTokenGrant(notesConfig, online.tokens.refresh_token!),
      ).rejects.toMatchObject({ error: "invalid_grant" });
      expect((await oidc.tokenIntrospection(notesConfig, online.tokens.access_token)).active).toBe(
        false,
      );

      if (path === "an admin locking the person") {
        // A locked person has no account: even the offline grant is refused while locked.
        await expect(
          oidc.refreshTokenGrant(backupConfig, offline.tokens.refresh_token!),
        ).rejects.toMatchObject({ error: "invalid_grant" });
      } else {
        const refreshed = await oidc.refreshTokenGrant(backupConfig, offline.tokens.refresh_token!);
        expect(refreshed.access_token).toBeTypeOf("string");
        expect(refreshed.claims()?.sub ?? user.id).toBe(user.id);
      }

      // The logout token reached Notes (only Notes registered a back-channel URI).
      await waitFor(() => receiver.tokens.length > received);
      expect(receiver.tokens.length).toBe(received + 1);
      const logoutToken = receiver.tokens.at(-1)!;
      expect(decodeJwt(logoutToken).header.typ).toBe("logout+jwt");
      const claims = verifyJwt(logoutToken, await fetchJwks(server, "/.well-known/jwks.json"));
      expect(claims.iss).toBe(server.issuer);
      expect(claims.aud).toBe(notes.clientId);
      expect(claims.sub).toBe(user.id);
      expect(claims.sid).toBe(sid);
      expect(claims.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
      expect(claims.nonce).toBeUndefined();
    });
  }

  it("leaves the tokens of another session of the same person alone", async () => {
    const user = await server.createUser({});
    const notes = await server.addClient({ firstParty: true });
    const config = await discover(server, notes.clientId, notes.clientSecret);
    const first = await codeFlow(server, config, user);
    const second = await codeFlow(server, config, user);
    expect(first.tokens.claims()!.sid).not.toBe(second.tokens.claims()!.sid);
    expect((await first.browser.request("POST", "/logout")).status).toBe(200);
    await waitFor(
      async () => !(await oidc.tokenIntrospection(config, first.tokens.refresh_token!)).active,
    );
    await server.tessera.oidc!.settled();
    const refreshed = await oidc.refreshTokenGrant(config, second.tokens.refresh_token!);
    expect(refreshed.access_token).toBeTypeOf("string");
  });
});

describe("OpenID Connect: back-channel logout with open registration", () => {
  let server: OidcTestServer;
  let receiver: Receiver;
  beforeAll(async () => {
    server = await startOidcTestServer("sqlite", { env: { TESSERA_OIDC_REGISTRATION: "open" } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  async function signOutAfterFlow(dynamic: boolean) {
    const user = await server.createUser({});
    const app = await server.addClient({ firstParty: true, backchannelLogoutUri: receiver.uri });
    if (dynamic) {
      const record = await findOidcClient(server.tessera.ctx.db, app.clientId);
      await setOidcClientMetadata(
        server.tessera.ctx.db,
        app.clientId,
        { metadata: { ...record!.metadata, [DYNAMICALLY_REGISTERED]: true } },
        Date.now(),
      );
    }
    const config = await discover(server, app.clientId, app.clientSecret);
    const flow = await codeFlow(server, config, user);
    expect((await flow.browser.request("POST", "/logout")).status).toBe(200);
    // The session ends for the client either way.
    await waitFor(
      async () => !(await oidc.tokenIntrospection(config, flow.tokens.refresh_token!)).active,
    );
    await server.tessera.oidc!.settled();
  }

  it("keeps oidc-provider's guard for a dynamically registered client: nothing sent to the loopback", async () => {
    const before = receiver.tokens.length;
    await signOutAfterFlow(true);
    expect(receiver.tokens.length).toBe(before);
  });

  it("sends to the loopback URI of a client an operator registered", async () => {
    const before = receiver.tokens.length;
    await signOutAfterFlow(false);
    await waitFor(async () => receiver.tokens.length > before);
  });
});
