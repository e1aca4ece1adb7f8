/**
 * "Apps with access" and the admin's applications (src/services/oidc/consents.ts,
 * admin-clients.ts, the store's oidc-grants.ts) on every dialect: the list (consents with the
 * client's name, a first-party client's live grants, never an expired grant or another
 * person's), revoking (the consent, every grant and token of the pair and nothing else, the
 * provider sessions' hold, a back-channel logout to the client, the audit), removing a client
 * (its artefacts go with it), and the admin rule.
 */
import { createServer, type Server } from "node:http";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { OIDC_GRANT_TYPES } from "../../../src/contract/index.js";
import { frozenClock } from "../../../src/core/clock.js";
import { NotFoundError, PermissionDeniedError } from "../../../src/core/errors.js";
import { createTessera, type TesseraRuntime } from "../../../src/runtime.js";
import {
  addOidcClientAsAdmin,
  listOidcClientsAsAdmin,
  removeOidcClientAsAdmin,
  rotateOidcClientSecretAsAdmin,
} from "../../../src/services/oidc/admin-clients.js";
import { OIDC_GRANTS } from "../../../src/services/oidc/client-metadata.js";
import { addOidcClient, removeOidcClient } from "../../../src/services/oidc/clients.js";
import {
  listOidcApplicationsOf,
  revokeOidcApplicationAccess,
} from "../../../src/services/oidc/consents.js";
import {
  addOidcConsentScopes,
  claimRefreshGrace,
  createOidcAdapter,
  insertUser,
  listAuditEvents,
  type OidcPayload,
} from "../../../src/store/index.js";
import { testConfig } from "../../helpers/server.js";
import { describeStore } from "../../helpers/store.js";
import { waitFor } from "../../helpers/wait.js";

const NOW_MS = Date.UTC(2026, 11, 7, 9);
const NOW_S = NOW_MS / 1000;
const HOUR_S = 3600;
const META = { ip: "203.0.113.9", userAgent: "test" };

describe("the wire's grant types", () => {
  it("are the grants a client may have", () => {
    expect([...OIDC_GRANT_TYPES]).toEqual([...OIDC_GRANTS]);
  });
});

describeStore("apps with access", (store) => {
  let tessera: TesseraRuntime;
  const clock = frozenClock(NOW_MS);
  beforeAll(async () => {
    tessera = await createTessera(testConfig(), { database: store.database, clock });
  });
  beforeEach(() => clock.set(NOW_MS));
  afterAll(async () => {
    await tessera?.close();
  });

  let users = 0;
  async function user(): Promise<string> {
    users += 1;
    const inserted = await insertUser(store.db, {
      name: `person${users}`,
      email: `person${users}@example.org`,
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    return inserted.id;
  }

  /** Saves an artefact as the provider would (through its adapter), for `ttlSeconds`. */
  async function save(model: string, id: string, payload: OidcPayload, ttlSeconds = HOUR_S) {
    const Adapter = createOidcAdapter(store.db, clock);
    await new Adapter(model).upsert(id, { jti: id, kind: model, ...payload }, ttlSeconds);
  }

  /** A grant of `accountId` for `clientId` with `scope`, and a refresh and an access token. */
  async function grant(
    accountId: string,
    clientId: string,
    grantId: string,
    options: { scope?: string; iatS?: number; ttlSeconds?: number } = {},
  ) {
    const iat = options.iatS ?? NOW_S;
    const common = { accountId, clientId, iat, exp: iat + HOUR_S };
    await save(
      "Grant",
      grantId,
      { ...common, openid: { scope: options.scope ?? "openid" } },
      options.ttlSeconds,
    );
    await save("RefreshToken", `rt-${grantId}`, { ...common, grantId });
    await save("AccessToken", `at-${grantId}`, { ...common, grantId });
  }

  async function ids(model?: string): Promise<string[]> {
    let query = store.db.selectFrom("oidc_artefacts").select("id");
    if (model !== undefined) query = query.where("model", "=", model);
    return (await query.orderBy("id").execute()).map((row) => row.id).sort();
  }

  async function sessionPayload(id: string): Promise<OidcPayload> {
    const row = await store.db
      .selectFrom("oidc_artefacts")
      .select("payload")
      .where("model", "=", "Session")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    return JSON.parse(row.payload) as OidcPayload;
  }

  const web = (name: string, extra = {}) => ({
    name,
    redirectUris: [`https://${name.toLowerCase()}.example/cb`],
    ...extra,
  });

  it("lists consents with the client's name and first-party grants, most recent first", async () => {
    const me = await user();
    const other = await user();
    const wiki = await addOidcClient(tessera.ctx, web("Wiki"));
    const notes = await addOidcClient(tessera.ctx, web("Notes", { firstParty: true }));
    const old = await addOidcClient(tessera.ctx, web("Old", { firstParty: true }));
    const gone = await addOidcClient(tessera.ctx, web("Gone", { firstParty: true }));
    clock.set(NOW_MS - 60_000);
    await addOidcConsentScopes(store.db, me, wiki.clientId, ["openid", "email"], clock());
    clock.set(NOW_MS);
    // A consented client's grant adds its scopes; the consent's date stays (it is older).
    await grant(me, wiki.clientId, "g-wiki", { scope: "openid profile" });
    // A first-party client: two grants (two sessions), the earliest is when access was given.
    await grant(me, notes.clientId, "g-notes-1", { scope: "openid email", iatS: NOW_S - 30 });
    await grant(me, notes.clientId, "g-notes-2", { scope: "openid profile", iatS: NOW_S - 10 });
    // An expired grant is no access; another person's grant is not mine.
    await grant(me, old.clientId, "g-old", { ttlSeconds: 1 });
    await grant(other, gone.clientId, "g-other");
    clock.set(NOW_MS + 2_000);

    const apps = await listOidcApplicationsOf(tessera.ctx, me);
    expect(apps).toEqual([
      {
        clientId: notes.clientId,
        name: "Notes",
        firstParty: true,
        scopes: ["email", "openid", "profile"],
        grantedAt: new Date((NOW_S - 30) * 1000),
      },
      {
        clientId: wiki.clientId,
        name: "Wiki",
        firstParty: false,
        scopes: ["email", "openid", "profile"],
        grantedAt: new Date(NOW_MS - 60_000),
      },
    ]);
    expect(await listOidcApplicationsOf(tessera.ctx, other)).toMatchObject([{ name: "Gone" }]);
    expect(await listOidcApplicationsOf(tessera.ctx, "not-a-user")).toEqual([]);
  });

  it("revokes one app: its consent, grants, tokens and sessions' hold, and nothing else", async () => {
    const me = await user();
    const other = await user();
    const wiki = await addOidcClient(tessera.ctx, web("Wiki"));
    const notes = await addOidcClient(tessera.ctx, web("Notes"));
    await addOidcConsentScopes(store.db, me, wiki.clientId, ["openid"], NOW_MS);
    await addOidcConsentScopes(store.db, me, notes.clientId, ["openid"], NOW_MS);
    await addOidcConsentScopes(store.db, other, wiki.clientId, ["openid"], NOW_MS);
    await grant(me, wiki.clientId, "g-1");
    await grant(me, wiki.clientId, "g-2");
    await grant(me, notes.clientId, "g-notes");
    await grant(other, wiki.clientId, "g-other");
    // A token whose grant is gone already still belongs to the pair.
    await save("AccessToken", "at-stray", { accountId: me, clientId: wiki.clientId });
    await save("Session", "s-1", {
      uid: "u-1",
      accountId: me,
      authorizations: {
        [wiki.clientId]: { sid: "sid-wiki", grantId: "g-1" },
        [notes.clientId]: { sid: "sid-notes", grantId: "g-notes" },
      },
    });

    const revoked = await revokeOidcApplicationAccess(tessera.ctx, me, wiki.clientId, {
      meta: META,
    });
    expect(revoked).toEqual({
      clientId: wiki.clientId,
      consentForgotten: true,
      grantsRevoked: 2,
      sessionsUpdated: 1,
      logoutTokensSent: 0,
      logoutTokensFailed: 0,
    });
    expect(await ids()).toEqual(
      ["g-notes", "rt-g-notes", "at-g-notes", "g-other", "rt-g-other", "at-g-other", "s-1"].sort(),
    );
    expect((await sessionPayload("s-1")).authorizations).toEqual({
      [notes.clientId]: { sid: "sid-notes", grantId: "g-notes" },
    });
    expect((await listOidcApplicationsOf(tessera.ctx, me)).map((a) => a.name)).toEqual(["Notes"]);
    expect((await listOidcApplicationsOf(tessera.ctx, other)).map((a) => a.name)).toEqual(["Wiki"]);
    const events = await listAuditEvents(store.db, { event: "oidc_consent_revoked" });
    expect(events).toMatchObject([
      {
        userId: me,
        actorId: me,
        ip: META.ip,
        detail: { client: wiki.clientId, grants_revoked: 2 },
      },
    ]);

    // Nothing left to revoke, or a client it never had: 404, nothing audited.
    for (const clientId of [wiki.clientId, "no-such-client", ""]) {
      await expect(revokeOidcApplicationAccess(tessera.ctx, me, clientId)).rejects.toBeInstanceOf(
        NotFoundError,
      );
    }
    expect(await listAuditEvents(store.db, { event: "oidc_consent_revoked" })).toHaveLength(1);
  });

  it("revokes a first-party app that has grants and no consent", async () => {
    const me = await user();
    const notes = await addOidcClient(tessera.ctx, web("Notes", { firstParty: true }));
    await grant(me, notes.clientId, "g-1");
    expect(await revokeOidcApplicationAccess(tessera.ctx, me, notes.clientId)).toMatchObject({
      consentForgotten: false,
      grantsRevoked: 1,
    });
    expect(await ids()).toEqual([]);
    expect(await listOidcApplicationsOf(tessera.ctx, me)).toEqual([]);
  });

  describe("with the running provider", () => {
    let receiver: Server;
    let received: string[];
    let port = 0;
    beforeAll(async () => {
      // oidc-provider refuses to post to a special-use address (its SSRF guard, a dispatcher
      // it passes to fetch): the receiver here is on the loopback, so the test lets it through.
      const realFetch = globalThis.fetch;
      vi.stubGlobal("fetch", (url: string | URL | Request, init?: RequestInit) => {
        const { dispatcher: _guard, ...rest } = (init ?? {}) as RequestInit & {
          dispatcher?: unknown;
        };
        return realFetch(url, rest);
      });
      received = [];
      receiver = createServer((request, response) => {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        request.on("end", () => {
          received.push(body);
          response.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      const address = receiver.address();
      port = typeof address === "object" && address !== null ? address.port : 0;
    });
    afterAll(async () => {
      vi.unstubAllGlobals();
      await new Promise((resolve) => receiver?.close(resolve));
    });

    it("sends the app a back-channel logout for each session it was signed in to", async () => {
      const me = await user();
      const wiki = await addOidcClient(
        tessera.ctx,
        web("Wiki", { backchannelLogoutUri: `http://127.0.0.1:${port}/logout` }),
      );
      await addOidcConsentScopes(store.db, me, wiki.clientId, ["openid"], NOW_MS);
      await grant(me, wiki.clientId, "g-1");
      await save("Session", "s-1", {
        uid: "u-1",
        accountId: me,
        authorizations: { [wiki.clientId]: { sid: "sid-1", grantId: "g-1" } },
      });
      const provider = tessera.oidc!.current();
      const revoked = await revokeOidcApplicationAccess(tessera.ctx, me, wiki.clientId, {
        provider,
      });
      expect(revoked).toMatchObject({ grantsRevoked: 1, logoutTokensSent: 1 });
      await waitFor(() => received.length === 1);
      const token = new URLSearchParams(received[0]).get("logout_token")!;
      expect(decodeJwt(token)).toMatchObject({ sub: me, sid: "sid-1", aud: wiki.clientId });
      expect(await provider.Grant.find("g-1")).toBeUndefined();
    });
  });

  it("removes a client with its grants, tokens and refresh graces, and only those", async () => {
    const me = await user();
    const wiki = await addOidcClient(tessera.ctx, web("Wiki"));
    const notes = await addOidcClient(tessera.ctx, web("Notes"));
    await grant(me, wiki.clientId, "g-wiki");
    await grant(me, notes.clientId, "g-notes");
    // An artefact issued under the grant without the pair's columns still goes with it.
    await save("AuthorizationCode", "code-1", { grantId: "g-wiki" });
    await save("ClientCredentials", "cc-1", { clientId: wiki.clientId });
    await claimRefreshGrace(store.db, "hash-wiki", wiki.clientId, NOW_MS, NOW_MS + 10_000);
    await claimRefreshGrace(store.db, "hash-notes", notes.clientId, NOW_MS, NOW_MS + 10_000);

    await removeOidcClient(tessera.ctx, wiki.clientId);
    expect(await ids()).toEqual(["at-g-notes", "g-notes", "rt-g-notes"]);
    const graces = await store.db.selectFrom("oidc_refresh_grace").select("token_hash").execute();
    expect(graces.map((row) => row.token_hash)).toEqual(["hash-notes"]);
  });

  it("lets only an admin manage applications, audited with the admin's id", async () => {
    const admin = { id: await user(), isAdmin: true };
    const person = { id: await user(), isAdmin: false };
    const added = await addOidcClientAsAdmin(tessera.ctx, admin, web("Wiki"), META);
    expect(added.client).toMatchObject({ name: "Wiki", public: false, firstParty: false });
    expect(added.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    clock.set(NOW_MS + 1_000); // listed oldest first
    const open = await addOidcClientAsAdmin(tessera.ctx, admin, web("App", { public: true }));
    expect(open).not.toHaveProperty("clientSecret");
    expect((await listOidcClientsAsAdmin(tessera.ctx, admin)).map((c) => c.name)).toEqual([
      "Wiki",
      "App",
    ]);

    const refusals = [
      listOidcClientsAsAdmin(tessera.ctx, person),
      addOidcClientAsAdmin(tessera.ctx, person, web("Evil", { firstParty: true })),
      removeOidcClientAsAdmin(tessera.ctx, person, added.client.clientId),
      rotateOidcClientSecretAsAdmin(tessera.ctx, person, added.client.clientId),
      rotateOidcClientSecretAsAdmin(tessera.ctx, person, "no-such-client"),
    ];
    for (const refusal of refusals) {
      await expect(refusal).rejects.toBeInstanceOf(PermissionDeniedError);
    }
    expect((await listOidcClientsAsAdmin(tessera.ctx, admin)).length).toBe(2);

    const rotated = await rotateOidcClientSecretAsAdmin(
      tessera.ctx,
      admin,
      added.client.clientId,
      META,
    );
    expect(rotated.clientSecret).not.toBe(added.clientSecret);
    await removeOidcClientAsAdmin(tessera.ctx, admin, added.client.clientId, META);
    const events = await listAuditEvents(store.db, {});
    const oidcEvents = events
      .filter((event) => event.event.startsWith("oidc_client_"))
      .map((event) => [event.event, event.actorId, event.ip]);
    expect(oidcEvents.sort()).toEqual(
      [
        ["oidc_client_added", admin.id, META.ip],
        ["oidc_client_added", admin.id, null],
        ["oidc_client_secret_rotated", admin.id, META.ip],
        ["oidc_client_removed", admin.id, META.ip],
      ].sort(),
    );
  });
});
