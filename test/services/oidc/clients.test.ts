/**
 * The registered OpenID Connect clients (src/services/oidc/clients.ts, client-metadata.ts):
 * what a registration may hold and the error each refusal answers, the metadata stored (which
 * oidc-provider's own client schema accepts), the secret kept only as a digest, and the audit
 * of every add, removal and rotation, on every dialect.
 */
import Provider, { type ClientMetadata } from "oidc-provider";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { frozenClock } from "../../../src/core/clock.js";
import { ClientError, NotFoundError } from "../../../src/core/errors.js";
import { secretDigestBase64Url } from "../../../src/core/secret-digest.js";
import { createTessera, type TesseraRuntime } from "../../../src/runtime.js";
import {
  checkOidcClient,
  type OidcClientInput,
} from "../../../src/services/oidc/client-metadata.js";
import {
  addOidcClient,
  findOidcClientMetadata,
  listOidcClients,
  newOidcClientId,
  oidcClientSecretMatches,
  removeOidcClient,
  rotateOidcClientSecret,
} from "../../../src/services/oidc/clients.js";
import { findOidcClient, insertUser, listAuditEvents } from "../../../src/store/index.js";
import { testConfig } from "../../helpers/server.js";
import { describeStore } from "../../helpers/store.js";

const NOW_MS = Date.UTC(2026, 11, 7, 9);
const DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";
const WEB: OidcClientInput = { name: "Wiki", redirectUris: ["https://wiki.example/callback"] };

/** The `validation_error` field a registration is refused for, or null when accepted. */
function refusal(input: OidcClientInput): { field: unknown; detail: string } | null {
  try {
    checkOidcClient(input);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe("validation_error");
    return { field: (error as ClientError).extra?.field, detail: (error as ClientError).detail };
  }
}

describe("what a registration may hold", () => {
  it("refuses a redirect URI with a fragment, even an empty one", () => {
    for (const uri of ["https://app.example/cb#x", "https://app.example/cb#"]) {
      expect(refusal({ ...WEB, redirectUris: [uri] })).toMatchObject({
        field: "redirect_uris",
        detail: expect.stringMatching(/fragment/),
      });
    }
  });

  it("refuses http except on a loopback host (RFC 8252 §7.3)", () => {
    for (const uri of [
      "http://app.example/cb",
      "http://127.0.0.2/cb",
      "http://localhost.example/cb",
      "http://10.0.0.1/cb",
      "http://[::2]/cb",
    ]) {
      expect(refusal({ ...WEB, redirectUris: [uri] }), uri).toMatchObject({
        field: "redirect_uris",
        detail: expect.stringMatching(/https/),
      });
    }
    for (const uri of ["http://localhost:8080/cb", "http://127.0.0.1/cb", "http://[::1]:5000/cb"]) {
      expect(refusal({ ...WEB, redirectUris: [uri] }), uri).toBeNull();
    }
  });

  it("refuses what is not an absolute URI, holds spaces or credentials, or is too long", () => {
    for (const uri of [
      "/callback",
      "wiki.example/cb",
      "",
      " https://app.example/cb",
      "https://app.example/c b",
      "https://app.example/cb\n",
      "https://user:pw@app.example/cb",
      `https://app.example/${"a".repeat(2_000)}`,
    ]) {
      expect(refusal({ ...WEB, redirectUris: [uri] }), uri).toMatchObject({
        field: "redirect_uris",
      });
    }
  });

  it("takes a private-use scheme from a public native app only, and never a dangerous one", () => {
    const app = { name: "App", public: true, redirectUris: ["com.example.app:/callback"] };
    expect(refusal(app)).toBeNull();
    expect(checkOidcClient(app).metadata.application_type).toBe("native");
    expect(refusal({ ...app, public: false })).toMatchObject({
      field: "redirect_uris",
      detail: expect.stringMatching(/only a public client/),
    });
    for (const uri of [
      "javascript:alert(1)",
      "data:text/html,x",
      "file:///etc/passwd",
      "myapp:/cb",
    ]) {
      expect(refusal({ ...app, redirectUris: [uri] }), uri).toMatchObject({
        field: "redirect_uris",
      });
    }
    // The provider refuses https on a loopback host for a native app: so does Tessera, first.
    expect(
      refusal({ ...app, redirectUris: ["com.example.app:/callback", "https://localhost/cb"] }),
    ).toMatchObject({ field: "redirect_uris", detail: expect.stringMatching(/loopback/) });
    expect(
      refusal({ ...app, redirectUris: ["com.example.app:/callback", "http://127.0.0.1/cb"] }),
    ).toBeNull();
  });

  it("checks post-logout redirect URIs like redirect URIs", () => {
    expect(refusal({ ...WEB, postLogoutRedirectUris: ["http://wiki.example/bye"] })).toMatchObject({
      field: "post_logout_redirect_uris",
    });
    expect(
      refusal({ ...WEB, postLogoutRedirectUris: ["https://wiki.example/bye#x"] }),
    ).toMatchObject({ field: "post_logout_redirect_uris" });
    expect(refusal({ ...WEB, postLogoutRedirectUris: ["https://wiki.example/bye"] })).toBeNull();
  });

  it("takes a back-channel logout URI on https or http loopback only", () => {
    for (const uri of [
      "http://wiki.example/bcl",
      "https://wiki.example/bcl#x",
      "com.example.app:/bcl",
    ]) {
      expect(refusal({ ...WEB, public: true, backchannelLogoutUri: uri }), uri).toMatchObject({
        field: "backchannel_logout_uri",
      });
    }
    expect(refusal({ ...WEB, backchannelLogoutUri: "http://127.0.0.1:9000/bcl" })).toBeNull();
  });

  it("refuses an unknown grant, no grant, and client_credentials for a public client", () => {
    expect(refusal({ ...WEB, grants: ["implicit"] })).toMatchObject({
      field: "grant_types",
      detail: expect.stringMatching(/Unknown grant "implicit"/),
    });
    expect(refusal({ ...WEB, grants: ["password"] })).toMatchObject({ field: "grant_types" });
    expect(refusal({ ...WEB, grants: [] })).toMatchObject({ field: "grant_types" });
    expect(refusal({ name: "Job", public: true, grants: ["client_credentials"] })).toMatchObject({
      field: "grant_types",
      detail: expect.stringMatching(/public/),
    });
    expect(refusal({ name: "Job", grants: ["client_credentials"] })).toBeNull();
  });

  it("needs a redirect URI for authorization_code, and none without it", () => {
    expect(refusal({ name: "Wiki" })).toMatchObject({ field: "redirect_uris" });
    expect(refusal({ name: "Wiki", redirectUris: [] })).toMatchObject({ field: "redirect_uris" });
    expect(refusal({ ...WEB, grants: ["client_credentials"] })).toMatchObject({
      field: "redirect_uris",
    });
  });

  it("gives refresh_token only with a grant that issues refresh tokens", () => {
    expect(refusal({ name: "Job", grants: ["client_credentials", "refresh_token"] })).toMatchObject(
      { field: "grant_types" },
    );
    expect(
      refusal({ name: "TV", public: true, grants: [DEVICE_CODE, "refresh_token"] }),
    ).toBeNull();
  });

  it("takes a name of 1 to 100 characters, trimmed, without invisible characters", () => {
    expect(refusal({ ...WEB, name: "" })).toMatchObject({ field: "client_name" });
    expect(refusal({ ...WEB, name: "   " })).toMatchObject({ field: "client_name" });
    expect(refusal({ ...WEB, name: "a".repeat(101) })).toMatchObject({ field: "client_name" });
    expect(refusal({ ...WEB, name: "Wi\u200bki" })).toMatchObject({ field: "client_name" });
    expect(refusal({ ...WEB, name: "\u202eikiW" })).toMatchObject({ field: "client_name" });
    expect(checkOidcClient({ ...WEB, name: ` ${"é".repeat(100)} ` }).name).toBe("é".repeat(100));
  });

  it("writes the provider's metadata: defaults, the grants in order once, duplicates once", () => {
    expect(checkOidcClient(WEB).metadata).toEqual({
      client_name: "Wiki",
      application_type: "web",
      redirect_uris: ["https://wiki.example/callback"],
      post_logout_redirect_uris: [],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
    });
    const full = checkOidcClient({
      name: "Wiki",
      public: true,
      firstParty: true,
      redirectUris: ["https://wiki.example/a", "https://wiki.example/a", "http://[::1]/b"],
      postLogoutRedirectUris: ["https://wiki.example/bye"],
      backchannelLogoutUri: "https://wiki.example/bcl",
      grants: ["refresh_token", DEVICE_CODE, "authorization_code", "refresh_token"],
    });
    expect(full).toMatchObject({ public: true, firstParty: true });
    expect(full.metadata).toEqual({
      client_name: "Wiki",
      application_type: "web",
      redirect_uris: ["https://wiki.example/a", "http://[::1]/b"],
      post_logout_redirect_uris: ["https://wiki.example/bye"],
      grant_types: ["authorization_code", "refresh_token", DEVICE_CODE],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      id_token_signed_response_alg: "RS256",
      backchannel_logout_uri: "https://wiki.example/bcl",
      backchannel_logout_session_required: true,
    });
    expect(checkOidcClient({ name: "Job", grants: ["client_credentials"] }).metadata).toMatchObject(
      { response_types: [], redirect_uris: [], grant_types: ["client_credentials"] },
    );
  });
});

describe("newOidcClientId", () => {
  it("is 22 base64url characters, never starting with '-' (it would read as an option)", () => {
    const ids = Array.from({ length: 4_000 }, () => newOidcClientId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // The other 63 first characters all turn up (4000 draws: a miss is about 1 in 10^25).
    expect(new Set(ids.map((id) => id[0])).size).toBe(63);
  });
});

describe("oidcClientSecretMatches", () => {
  it("matches the secret against its digest, and nothing against a public client's null", () => {
    const digest = secretDigestBase64Url("s3cret");
    expect(oidcClientSecretMatches(digest, "s3cret")).toBe(true);
    expect(oidcClientSecretMatches(digest, "s3cret ")).toBe(false);
    expect(oidcClientSecretMatches(digest, digest)).toBe(false);
    expect(oidcClientSecretMatches(null, "s3cret")).toBe(false);
    expect(oidcClientSecretMatches(undefined, "")).toBe(false);
  });
});

describeStore("registered OIDC clients", (store) => {
  let tessera: TesseraRuntime;
  const clock = frozenClock(NOW_MS);
  beforeAll(async () => {
    tessera = await createTessera(testConfig(), { database: store.database, clock });
  });
  beforeEach(() => clock.set(NOW_MS));
  afterAll(async () => {
    await tessera?.close();
  });

  it("adds a confidential client: a random id and secret, only the digest stored, audited without it", async () => {
    const added = await addOidcClient(tessera.ctx, { ...WEB, firstParty: true });
    expect(added.clientId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(added.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await findOidcClient(store.db, added.clientId);
    expect(stored).toMatchObject({
      name: "Wiki",
      firstParty: true,
      secretHash: secretDigestBase64Url(added.clientSecret!),
      createdAt: new Date(NOW_MS),
    });
    expect(JSON.stringify(stored!.metadata)).not.toContain(added.clientSecret);
    expect(stored!.metadata).toMatchObject({ client_id: added.clientId, client_name: "Wiki" });

    const metadata = await findOidcClientMetadata(store.db, added.clientId);
    expect(metadata).toEqual({
      ...stored!.metadata,
      tessera_first_party: stored!.firstParty,
      client_secret: stored!.secretHash,
    });
    expect(oidcClientSecretMatches(metadata!.client_secret, added.clientSecret)).toBe(true);

    const events = await listAuditEvents(store.db, { event: "oidc_client_added" });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      userId: null,
      actorId: null,
      detail: {
        by: "operator",
        client_id: added.clientId,
        name: "Wiki",
        public: false,
        first_party: true,
        grant_types: ["authorization_code", "refresh_token"],
        redirect_uris: ["https://wiki.example/callback"],
      },
    });
    expect(JSON.stringify(events[0])).not.toContain(added.clientSecret);
    expect(JSON.stringify(events[0])).not.toContain(stored!.secretHash);
  });

  it("adds a public client with no secret; two clients never share an id", async () => {
    const app = await addOidcClient(tessera.ctx, {
      name: "App",
      public: true,
      redirectUris: ["com.example.app:/callback"],
    });
    expect(Object.keys(app)).toEqual(["clientId"]);
    expect(await findOidcClient(store.db, app.clientId)).toMatchObject({ secretHash: null });
    const metadata = await findOidcClientMetadata(store.db, app.clientId);
    expect(metadata).not.toHaveProperty("client_secret");
    expect(metadata).toMatchObject({ token_endpoint_auth_method: "none" });
    const other = await addOidcClient(tessera.ctx, WEB);
    expect(other.clientId).not.toBe(app.clientId);
  });

  it("writes nothing for a refused registration", async () => {
    await expect(
      addOidcClient(tessera.ctx, { ...WEB, redirectUris: ["http://wiki.example/cb"] }),
    ).rejects.toBeInstanceOf(ClientError);
    expect(await listOidcClients(tessera.ctx)).toEqual([]);
    expect(await listAuditEvents(store.db, {})).toEqual([]);
  });

  it("lists clients oldest first, without secrets", async () => {
    clock.set(NOW_MS + 1_000);
    const first = await addOidcClient(tessera.ctx, WEB);
    clock.set(NOW_MS);
    const second = await addOidcClient(tessera.ctx, {
      name: "TV",
      public: true,
      grants: [DEVICE_CODE],
    });
    const list = await listOidcClients(tessera.ctx);
    expect(list.map((c) => c.clientId)).toEqual([second.clientId, first.clientId]);
    const tv = list.find((c) => c.clientId === second.clientId);
    expect(tv).toEqual({
      clientId: second.clientId,
      name: "TV",
      public: true,
      firstParty: false,
      applicationType: "web",
      redirectUris: [],
      postLogoutRedirectUris: [],
      backchannelLogoutUri: null,
      grants: [DEVICE_CODE],
      createdAt: new Date(NOW_MS),
      updatedAt: new Date(NOW_MS),
    });
    expect(JSON.stringify(list)).not.toContain(first.clientSecret);
    expect(JSON.stringify(list)).not.toMatch(/secret/i);
  });

  it("rotates a secret: the old one stops matching, audited without either", async () => {
    const added = await addOidcClient(tessera.ctx, WEB);
    clock.advance(60_000);
    const rotated = await rotateOidcClientSecret(tessera.ctx, added.clientId);
    expect(rotated.clientId).toBe(added.clientId);
    expect(await findOidcClient(store.db, added.clientId)).toMatchObject({
      createdAt: new Date(NOW_MS),
      updatedAt: new Date(NOW_MS + 60_000),
    });
    expect(rotated.clientSecret).not.toBe(added.clientSecret);
    const digest = (await findOidcClientMetadata(store.db, added.clientId))!.client_secret;
    expect(oidcClientSecretMatches(digest, rotated.clientSecret)).toBe(true);
    expect(oidcClientSecretMatches(digest, added.clientSecret)).toBe(false);
    const events = await listAuditEvents(store.db, { event: "oidc_client_secret_rotated" });
    expect(events.map((e) => e.detail)).toEqual([{ by: "operator", client_id: added.clientId }]);
    expect(JSON.stringify(events)).not.toContain(rotated.clientSecret);
  });

  it("refuses to rotate a public client's secret or an unknown client's", async () => {
    const app = await addOidcClient(tessera.ctx, { ...WEB, public: true });
    const error = await rotateOidcClientSecret(tessera.ctx, app.clientId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({ code: "validation_error" });
    expect(await findOidcClient(store.db, app.clientId)).toMatchObject({ secretHash: null });
    await expect(rotateOidcClientSecret(tessera.ctx, "nope")).rejects.toBeInstanceOf(NotFoundError);
    expect(await listAuditEvents(store.db, { event: "oidc_client_secret_rotated" })).toEqual([]);
  });

  it("removes a client and the consents given to it, audited; an unknown id is not found", async () => {
    const user = await insertUser(store.db, {
      name: "u",
      email: "u@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    const added = await addOidcClient(tessera.ctx, WEB);
    await store.db
      .insertInto("oidc_consents")
      .values({
        user_id: user.id,
        client_id: added.clientId,
        scopes: "openid",
        created_at: NOW_MS,
        updated_at: NOW_MS,
      })
      .execute();
    expect(await removeOidcClient(tessera.ctx, added.clientId)).toMatchObject({
      clientId: added.clientId,
      name: "Wiki",
    });
    expect(await findOidcClientMetadata(store.db, added.clientId)).toBeUndefined();
    expect(await store.db.selectFrom("oidc_consents").selectAll().execute()).toEqual([]);
    await expect(removeOidcClient(tessera.ctx, added.clientId)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const events = await listAuditEvents(store.db, { event: "oidc_client_removed" });
    expect(events.map((e) => e.detail)).toEqual([
      { by: "operator", client_id: added.clientId, name: "Wiki" },
    ]);
  });

  it("stores metadata oidc-provider's own client schema accepts", async () => {
    const provider = new Provider("https://tessera.example", {
      features: {
        devInteractions: { enabled: false },
        deviceFlow: { enabled: true },
        clientCredentials: { enabled: true },
        backchannelLogout: { enabled: true },
      },
    });
    const inputs: OidcClientInput[] = [
      WEB,
      {
        name: "Everything",
        firstParty: true,
        redirectUris: ["https://wiki.example/a", "http://localhost:8080/b"],
        postLogoutRedirectUris: ["https://wiki.example/bye"],
        backchannelLogoutUri: "https://wiki.example/bcl",
        grants: ["authorization_code", "refresh_token", "client_credentials", DEVICE_CODE],
      },
      {
        name: "Native",
        public: true,
        redirectUris: ["com.example.app:/callback", "http://127.0.0.1/cb"],
        postLogoutRedirectUris: ["com.example.app:/bye"],
      },
      { name: "SPA", public: true, redirectUris: ["https://spa.example/cb"] },
      { name: "Job", grants: ["client_credentials"] },
      { name: "TV", public: true, grants: [DEVICE_CODE, "refresh_token"] },
    ];
    for (const input of inputs) {
      const { clientId } = await addOidcClient(tessera.ctx, input);
      const metadata = await findOidcClientMetadata(store.db, clientId);
      await expect(
        provider.Client.validate(metadata as ClientMetadata),
        input.name,
      ).resolves.toBeUndefined();
    }
  });
});
