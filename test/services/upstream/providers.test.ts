/**
 * Issue 22, the providers and links on every dialect: the client secret sealed at rest and
 * opened by the registry, a provider added elsewhere seen without a restart, (provider, sub)
 * unique, removing a provider removing its links, and the last way to sign in kept.
 */
import { afterEach, expect, it } from "vitest";
import { systemClock } from "../../../src/core/clock.js";
import { deriveKeyEncryptionKey } from "../../../src/core/key-encryption.js";
import { unlinkSignIn, hasUsablePassword } from "../../../src/services/upstream/links.js";
import { createFederatedAccount } from "../../../src/services/upstream/linking.js";
import {
  addUpstreamProvider,
  createUpstreamRegistry,
  removeUpstreamProvider,
} from "../../../src/services/upstream/providers.js";
import type { ServiceContext } from "../../../src/services/context.js";
import { createUser } from "../../../src/services/account/users.js";
import {
  findLinkedIdentity,
  getUserById,
  insertLinkedIdentity,
  listLinkedIdentities,
} from "../../../src/store/index.js";
import { createTessera } from "../../../src/runtime.js";
import { describeStore } from "../../helpers/store.js";
import { testConfig, TEST_JWT_SECRET } from "../../helpers/server.js";

const KEY = deriveKeyEncryptionKey(TEST_JWT_SECRET);
const META = { ip: "127.0.0.1", userAgent: null };

describeStore("upstream providers", (store) => {
  const opened: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const tessera of opened.splice(0)) await tessera.close();
  });

  async function context(): Promise<ServiceContext> {
    const tessera = await createTessera(testConfig(), {
      database: store.database,
      clock: systemClock,
      sessionCache: false,
      mailPolling: false,
    });
    opened.push(tessera);
    return tessera.ctx;
  }

  function deps(ctx: ServiceContext) {
    const registry = createUpstreamRegistry(ctx, {
      keyEncryptionKey: KEY,
      previousKeyEncryptionKeys: [],
    });
    return { registry, keyEncryptionKey: KEY, publicUrl: "http://tessera.test" };
  }

  it("keeps the client secret sealed and gives it back opened, with the callback URL", async () => {
    const ctx = await context();
    const info = await addUpstreamProvider(ctx, deps(ctx), {
      id: "corp",
      issuer: "https://id.example.com",
      clientId: "client-1",
      clientSecret: "very-secret",
      name: "Corp SSO",
      link: "sign-in-first",
      createAccounts: true,
    });
    expect(info.callbackUrl).toBe("http://tessera.test/login/providers/corp/callback");
    expect(info).not.toHaveProperty("clientSecret");
    const row = await store.db
      .selectFrom("upstream_providers")
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(row.client_secret).not.toContain("very-secret");
    const [provider] = await deps(ctx).registry.list();
    expect(provider).toMatchObject({
      id: "corp",
      clientSecret: "very-secret",
      linkPolicy: "sign-in-first",
      createAccounts: true,
      trustUpstreamMfa: false,
      scopes: ["openid", "email", "profile"],
    });
    await expect(
      addUpstreamProvider(ctx, deps(ctx), {
        id: "corp",
        issuer: "https://x.example",
        clientId: "a",
        clientSecret: "b",
      }),
    ).rejects.toMatchObject({ code: "conflict" });
    await expect(
      addUpstreamProvider(ctx, deps(ctx), {
        id: "plain",
        issuer: "http://id.example.com",
        clientId: "a",
        clientSecret: "b",
      }),
    ).rejects.toMatchObject({ code: "validation_error" });
  });

  it("fills in the presets (Microsoft with its tenant, GitHub as OAuth 2.0)", async () => {
    const ctx = await context();
    const microsoft = await addUpstreamProvider(ctx, deps(ctx), {
      id: "entra",
      preset: "microsoft",
      tenant: "contoso.onmicrosoft.com",
      clientId: "a",
      clientSecret: "b",
    });
    expect(microsoft.issuer).toBe("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0");
    const github = await addUpstreamProvider(ctx, deps(ctx), {
      id: "gh",
      preset: "github",
      clientId: "a",
      clientSecret: "b",
    });
    expect(github).toMatchObject({
      kind: "github",
      name: "GitHub",
      scopes: ["read:user", "user:email"],
    });
    await expect(
      addUpstreamProvider(ctx, deps(ctx), {
        id: "ms2",
        preset: "microsoft",
        clientId: "a",
        clientSecret: "b",
      }),
    ).rejects.toMatchObject({ code: "validation_error" });
  });

  it("shows a provider added by another instance without a restart", async () => {
    const ctx = await context();
    const running = deps(ctx);
    expect(await running.registry.list()).toEqual([]);
    const elsewhere = deps(ctx);
    await addUpstreamProvider(ctx, elsewhere, {
      id: "later",
      issuer: "https://id.example.com",
      clientId: "a",
      clientSecret: "b",
    });
    // The running registry re-reads within UPSTREAM_PROVIDERS_REFRESH_MS; a callback reads afresh.
    expect((await running.registry.fresh("later"))?.id).toBe("later");
  });

  it("keeps one account per (provider, sub), and removing a provider removes its links", async () => {
    const ctx = await context();
    await addUpstreamProvider(ctx, deps(ctx), {
      id: "corp",
      issuer: "https://id.example.com",
      clientId: "a",
      clientSecret: "b",
    });
    const one = await createUser(ctx, null, {
      name: "one",
      email: "one@example.org",
      password: "correct horse battery",
    });
    const two = await createUser(ctx, null, {
      name: "two",
      email: "two@example.org",
      password: "correct horse battery",
    });
    const link = { providerId: "corp", subject: "sub-1", emailAtLink: null };
    const [first, second] = await Promise.all([
      insertLinkedIdentity(store.db, { ...link, userId: one.id }, Date.now()),
      insertLinkedIdentity(store.db, { ...link, userId: two.id }, Date.now()),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect((await findLinkedIdentity(store.db, "corp", "sub-1"))?.userId).toBe(
      first ? one.id : two.id,
    );
    await removeUpstreamProvider(ctx, deps(ctx), "corp");
    expect(await findLinkedIdentity(store.db, "corp", "sub-1")).toBeUndefined();
  });

  it("refuses to unlink the last way to sign in of an account a provider created", async () => {
    const ctx = await context();
    const d = deps(ctx);
    await addUpstreamProvider(ctx, d, {
      id: "corp",
      issuer: "https://id.example.com",
      clientId: "a",
      clientSecret: "b",
    });
    const provider = (await d.registry.fresh("corp"))!;
    const identity = {
      subject: "sub-9",
      email: "fed@example.org",
      emailVerified: true,
      name: "Fed Person",
      preferredUsername: "fed",
      amr: [],
      acr: null,
    };
    const user = await createFederatedAccount(ctx, provider, identity, META);
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(hasUsablePassword(user)).toBe(false);
    await expect(unlinkSignIn(ctx, user.id, "corp", META)).rejects.toMatchObject({
      code: "last_sign_in_method",
    });
    expect(await listLinkedIdentities(store.db, user.id)).toHaveLength(1);
    // With a password set since, the link may go.
    await store.db
      .updateTable("users")
      .set({ password_hash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA" })
      .where("id", "=", user.id)
      .execute();
    const changed = (await getUserById(store.db, user.id))!;
    expect(hasUsablePassword(changed)).toBe(true);
    await unlinkSignIn(ctx, user.id, "corp", META);
    expect(await listLinkedIdentities(store.db, user.id)).toEqual([]);
  });
});
