/**
 * The OpenID provider's keys (src/services/keys/oidc-keys.ts) on each dialect: an RS256 key made
 * on first start in `signing_keys` and shared by instances, the session keys beside it when they
 * are EdDSA or ES256, rotation of either (the signing key first, a retired one kept until its
 * tokens expire, `version()` following), the one published JWKS, and oidc-provider taking the
 * private JWKs as its key set.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { expect, it } from "vitest";
import { frozenClock } from "../../../src/core/clock.js";
import { generateJwtKeyPair, publicJwk } from "../../../src/core/jwk.js";
import { createJwtKeyRing } from "../../../src/core/jwt/index.js";
import { deriveKeyEncryptionKey } from "../../../src/core/key-encryption.js";
import { loadOidcSigningKeys, publishedJwks } from "../../../src/services/keys/oidc-keys.js";
import {
  describeSigningKeys,
  loadSigningKeys,
  pruneSigningKeys,
  rotateSigningKey,
  type SigningKeySettings,
} from "../../../src/services/keys/signing-keys.js";
import { listSigningKeys } from "../../../src/store/index.js";
import { describeStore } from "../../helpers/store.js";

const SECRET = "a-test-secret-of-more-than-32-bytes!!";
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"];

function settings(algorithm: "EdDSA" | "ES256" | "HS256"): SigningKeySettings {
  return {
    jwtAlgorithm: algorithm,
    hmacKeys: createJwtKeyRing(SECRET),
    jwtValidityHours: 1,
    keyEncryptionKey: deriveKeyEncryptionKey(SECRET),
    previousKeyEncryptionKeys: [],
  };
}

const kidsOf = (keys: readonly { kid?: string }[]) => keys.map((key) => key.kid);

describeStore("OpenID provider keys", (store) => {
  it("with HS256 sessions: one RS256 key, made on first start and shared, and only it published", async () => {
    const clock = frozenClock(Date.UTC(2026, 11, 7));
    const first = await loadOidcSigningKeys(store.db, settings("HS256"), clock);
    const second = await loadOidcSigningKeys(store.db, settings("HS256"), clock);
    const stored = await listSigningKeys(store.db);
    expect(stored.map((k) => k.algorithm)).toEqual(["RS256"]);
    const [jwk] = first.privateJwks();
    expect(first.privateJwks()).toHaveLength(1);
    expect(jwk).toMatchObject({ kty: "RSA", kid: stored[0]!.kid, alg: "RS256", use: "sig" });
    for (const member of ["n", "e", "d", "p", "q", "dp", "dq", "qi"] as const) {
      expect(typeof jwk![member], member).toBe("string");
    }
    expect(second.privateJwks()).toEqual(first.privateJwks());
    expect(second.version()).toBe(first.version());
    // The public set and the published JWKS: the RS256 key, no private member, no secret.
    const sessions = await loadSigningKeys(store.db, settings("HS256"), clock);
    const published = publishedJwks(sessions, first);
    expect(kidsOf(published.keys)).toEqual([stored[0]!.kid]);
    expect(published.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    for (const member of PRIVATE_MEMBERS) expect(published.keys[0]).not.toHaveProperty(member);
    expect(JSON.stringify(published)).not.toContain(SECRET);
    // A caller's changes to what it was given stay its own.
    first.privateJwks()[0]!.d = "changed";
    expect(first.privateJwks()[0]!.d).toBe(jwk!.d);
  });

  it("opens a key sealed under a previous JWT secret after its rotation, and seals it again", async () => {
    const clock = frozenClock(Date.UTC(2026, 11, 7));
    const before = await loadOidcSigningKeys(store.db, settings("HS256"), clock);
    const NEW_SECRET = "another-test-secret-of-more-than-32-bytes";
    const rotated: SigningKeySettings = {
      ...settings("HS256"),
      hmacKeys: createJwtKeyRing(NEW_SECRET, [SECRET]),
      keyEncryptionKey: deriveKeyEncryptionKey(NEW_SECRET),
    };
    // Without the previous secret the stored key does not open.
    await expect(loadOidcSigningKeys(store.db, rotated, clock)).rejects.toThrow();
    const after = await loadOidcSigningKeys(
      store.db,
      { ...rotated, previousKeyEncryptionKeys: [deriveKeyEncryptionKey(SECRET)] },
      clock,
    );
    expect(after.privateJwks()).toEqual(before.privateJwks());
    // Sealed again under the new secret: it opens without the previous one from now on.
    const alone = await loadOidcSigningKeys(store.db, rotated, clock);
    expect(alone.privateJwks()).toEqual(before.privateJwks());
  });

  it("with EdDSA sessions: the RS256 keys first, then the session keys, each signing key first", async () => {
    const clock = frozenClock(Date.UTC(2026, 11, 7));
    const sessions = await loadSigningKeys(store.db, settings("EdDSA"), clock);
    const oidc = await loadOidcSigningKeys(store.db, settings("EdDSA"), clock);
    const [rs256, eddsa] = oidc.privateJwks();
    expect(oidc.privateJwks().map((k) => [k.kty, k.alg])).toEqual([
      ["RSA", "RS256"],
      ["OKP", "EdDSA"],
    ]);
    expect(eddsa!.kid).toBe(sessions.jwks().keys[0]!.kid);
    const published = publishedJwks(sessions, oidc);
    expect(kidsOf(published.keys)).toEqual([rs256!.kid, eddsa!.kid]);

    // Rotating the session key reaches the OpenID set; the new EdDSA key comes before the old.
    const before = oidc.version();
    const newEdDSA = await rotateSigningKey(store.db, settings("EdDSA"), clock);
    await oidc.refresh();
    expect(kidsOf(oidc.privateJwks())).toEqual([rs256!.kid, newEdDSA, eddsa!.kid]);
    expect(oidc.version()).not.toBe(before);
    // The union covers a rotation the session keys have not reloaded yet.
    expect(kidsOf(publishedJwks(sessions, oidc).keys)).toEqual([rs256!.kid, newEdDSA, eddsa!.kid]);
  });

  it("rotates RS256: the new key signs, the old stays until its tokens expire, then is pruned", async () => {
    const clock = frozenClock(Date.UTC(2026, 11, 7));
    const oidc = await loadOidcSigningKeys(store.db, settings("HS256"), clock);
    const old = oidc.privateJwks()[0]!.kid!;
    const first = oidc.version();
    await oidc.refresh();
    expect(oidc.version()).toBe(first);

    const kid = await rotateSigningKey(store.db, settings("HS256"), clock, "RS256");
    await oidc.refresh();
    expect(kidsOf(oidc.privateJwks())).toEqual([kid, old]);
    expect(kidsOf(oidc.publicJwks().keys)).toEqual([kid, old]);
    const second = oidc.version();
    expect(second).not.toBe(first);
    const listed = await describeSigningKeys(store.db, settings("HS256"), clock);
    expect(listed.filter((k) => k.signing).map((k) => k.kid)).toEqual([kid]);
    expect(listed.find((k) => k.kid === old)?.verifiesUntil).toEqual(new Date(clock() + 3_600_000));

    clock.advance(3_600_000 - 1);
    await oidc.refresh();
    expect(kidsOf(oidc.privateJwks())).toEqual([kid, old]);
    expect(await pruneSigningKeys(store.db, settings("HS256"), clock)).toEqual([]);
    clock.advance(1);
    await oidc.refresh();
    expect(kidsOf(oidc.privateJwks())).toEqual([kid]);
    expect(oidc.version()).not.toBe(second);
    expect(await pruneSigningKeys(store.db, settings("HS256"), clock)).toEqual([old]);
  });

  it("rotates only the algorithms in use, never HS256", async () => {
    const clock = frozenClock(Date.UTC(2026, 11, 7));
    await loadOidcSigningKeys(store.db, settings("EdDSA"), clock);
    await expect(rotateSigningKey(store.db, settings("EdDSA"), clock, "ES256")).rejects.toThrow(
      /No ES256 keys are in use/,
    );
    await expect(rotateSigningKey(store.db, settings("HS256"), clock, "EdDSA")).rejects.toThrow(
      TypeError,
    );
    await expect(rotateSigningKey(store.db, settings("HS256"), clock)).rejects.toThrow(/HS256/);
    expect((await listSigningKeys(store.db)).map((k) => k.algorithm).sort()).toEqual([
      "EdDSA",
      "RS256",
    ]);
  });

  it("refuses an RS256 key whose private half is not the published public key's", async () => {
    const clock = frozenClock(Date.UTC(2026, 11, 7));
    await loadOidcSigningKeys(store.db, settings("HS256"), clock);
    const [row] = await listSigningKeys(store.db, "RS256");
    // Another RSA public key under the row's kid: the sealed private half no longer matches it
    // (comparing EC coordinates, as before RSA, would have found nothing to compare).
    const other = { ...publicJwk(generateJwtKeyPair("RS256")), kid: row!.kid };
    await store.db
      .updateTable("signing_keys")
      .set({ public_jwk: JSON.stringify(other) })
      .where("kid", "=", row!.kid)
      .execute();
    await expect(loadOidcSigningKeys(store.db, settings("HS256"), clock)).rejects.toThrow(
      /does not match/,
    );
  });
});

describeStore("oidc-provider with Tessera's keys", (store) => {
  it("takes the private JWKs as its key set and publishes the same kids, public halves only", async () => {
    const clock = frozenClock(Date.now());
    await loadSigningKeys(store.db, settings("ES256"), clock);
    const oidc = await loadOidcSigningKeys(store.db, settings("ES256"), clock);
    const provider = new Provider("https://id.example", {
      jwks: { keys: oidc.privateJwks() },
      features: { devInteractions: { enabled: false } },
    });
    const server = createServer(provider.callback());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const jwks = (await (await fetch(`${base}/jwks`)).json()) as { keys: { kid: string }[] };
      expect(kidsOf(jwks.keys)).toEqual(kidsOf(oidc.privateJwks()));
      for (const key of jwks.keys) {
        for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      }
      const discovery = (await (
        await fetch(`${base}/.well-known/openid-configuration`)
      ).json()) as { id_token_signing_alg_values_supported: string[] };
      expect(discovery.id_token_signing_alg_values_supported).toEqual(
        expect.arrayContaining(["RS256", "ES256"]),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
