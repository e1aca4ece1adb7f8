/**
 * Token-signing keys in the database (src/services/keys/signing-keys.ts) on each dialect: made on
 * first start, shared by instances, rotated, kept while they verify, pruned, sealed at rest;
 * and `tessera keys list | rotate [RS256] | prune`. The OpenID provider's RS256 keys:
 * oidc-keys.test.ts.
 */
import { expect, it } from "vitest";
import { runCli, type CliIo } from "../../../src/cli.js";
import { frozenClock } from "../../../src/core/clock.js";
import { deriveKeyEncryptionKey } from "../../../src/core/key-encryption.js";
import { createJwt, createJwtKeyRing, verifyJwtClaims } from "../../../src/core/jwt/index.js";
import { loadOidcSigningKeys, publishedJwks } from "../../../src/services/keys/oidc-keys.js";
import {
  describeSigningKeys,
  loadSigningKeys,
  pruneSigningKeys,
  rotateSigningKey,
  type SigningKeySettings,
} from "../../../src/services/keys/signing-keys.js";
import { listSigningKeys } from "../../../src/store/index.js";
import { openTestDatabase } from "../../helpers/database.js";
import { describeStore } from "../../helpers/store.js";

const SECRET = "a-test-secret-of-more-than-32-bytes!!";
const subject = { id: "u1", name: "n", email: "e@example.org" };

function settings(algorithm: "EdDSA" | "ES256" | "HS256", secret = SECRET): SigningKeySettings {
  return {
    jwtAlgorithm: algorithm,
    hmacKeys: createJwtKeyRing(SECRET),
    jwtValidityHours: 1,
    keyEncryptionKey: deriveKeyEncryptionKey(secret),
    previousKeyEncryptionKeys: [],
  };
}

describeStore("signing keys", (store) => {
  it("makes one key on first start that a second instance shares, and publishes it", async () => {
    const clock = frozenClock(Date.UTC(2026, 10, 28));
    const first = await loadSigningKeys(store.db, settings("EdDSA"), clock);
    const second = await loadSigningKeys(store.db, settings("EdDSA"), clock);
    expect(await listSigningKeys(store.db)).toHaveLength(1);
    expect(first.jwks()).toEqual(second.jwks());
    const token = createJwt(subject, 1, { keys: first.ring(), clock });
    expect(verifyJwtClaims(token, { keys: second.ring(), clock })?.user).toEqual(subject);
    // The private half is sealed: the stored text is not a PEM or DER key.
    const [row] = await listSigningKeys(store.db);
    expect(row!.sealedPrivateKey).not.toMatch(/PRIVATE KEY|^MC4CAQ/);
  });

  it("rotates: the new key signs, the old one verifies until its tokens expire, then is pruned", async () => {
    const clock = frozenClock(Date.UTC(2026, 10, 28));
    const keys = await loadSigningKeys(store.db, settings("ES256"), clock);
    const old = createJwt(subject, 1, { keys: keys.ring(), clock });
    const kid = await rotateSigningKey(store.db, settings("ES256"), clock);
    await keys.refresh();
    expect(keys.jwks().keys.map((k) => k.kid)).toContain(kid);
    expect(keys.jwks().keys).toHaveLength(2);
    expect(verifyJwtClaims(old, { keys: keys.ring(), clock })?.user).toEqual(subject);
    const fresh = createJwt(subject, 1, { keys: keys.ring(), clock });
    expect(JSON.parse(Buffer.from(fresh.split(".")[0]!, "base64url").toString()).kid).toBe(kid);
    expect(await pruneSigningKeys(store.db, settings("ES256"), clock)).toEqual([]);
    const listed = await describeSigningKeys(store.db, settings("ES256"), clock);
    expect(listed.filter((k) => k.signing).map((k) => k.kid)).toEqual([kid]);
    expect(listed.find((k) => !k.signing)?.verifiesUntil).toEqual(new Date(clock() + 3_600_000));
    clock.advance(3_600_000 + 1);
    await keys.refresh();
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([kid]);
    expect(await pruneSigningKeys(store.db, settings("ES256"), clock)).toHaveLength(1);
    expect(await listSigningKeys(store.db)).toHaveLength(1);
  });

  it("refuses to open keys sealed with another secret, or moved to another row", async () => {
    const clock = frozenClock(Date.UTC(2026, 10, 28));
    await loadSigningKeys(store.db, settings("EdDSA"), clock);
    await expect(
      loadSigningKeys(store.db, settings("EdDSA", "another-secret-of-more-than-32-bytes"), clock),
    ).rejects.toThrow();
    await rotateSigningKey(store.db, settings("EdDSA"), clock);
    const [a, b] = await listSigningKeys(store.db);
    await store.db
      .updateTable("signing_keys")
      .set({ private_key: b!.sealedPrivateKey })
      .where("kid", "=", a!.kid)
      .execute();
    await expect(loadSigningKeys(store.db, settings("EdDSA"), clock)).rejects.toThrow();
  });

  it("keeps HS256 to the configured secret: no session key stored or published, no rotation", async () => {
    const clock = frozenClock(Date.UTC(2026, 10, 28));
    const keys = await loadSigningKeys(store.db, settings("HS256"), clock);
    expect(keys.jwks()).toEqual({ keys: [] });
    expect(await listSigningKeys(store.db)).toEqual([]);
    await expect(rotateSigningKey(store.db, settings("HS256"), clock)).rejects.toThrow(TypeError);
    // The published JWKS (issue 21) holds exactly the OpenID provider's RS256 key, public only.
    const oidc = await loadOidcSigningKeys(store.db, settings("HS256"), clock);
    const published = publishedJwks(keys, oidc);
    expect(published.keys.map((k) => [k.kty, k.alg])).toEqual([["RSA", "RS256"]]);
    for (const member of ["d", "p", "q", "dp", "dq", "qi", "k"]) {
      expect(published.keys[0]).not.toHaveProperty(member);
    }
    expect((await listSigningKeys(store.db)).map((k) => k.algorithm)).toEqual(["RS256"]);
  });
});

describeStore("tessera keys", { database: false }, ({ dialect }) => {
  it("lists, rotates and prunes", async () => {
    const database = await openTestDatabase(dialect);
    const lines: string[] = [];
    const io: CliIo = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
    const env = {
      TESSERA_DATABASE_URL: database.url,
      TESSERA_DATA_DIR: "/nonexistent-tessera-test-dir",
      TESSERA_JWT_SECRET: SECRET,
      TESSERA_JWT_ALGORITHM: "EdDSA",
    };
    try {
      // Each start makes what is missing: the session key and the ID-token key (RS256).
      expect(await runCli(["keys", "list"], env, io)).toBe(0);
      expect(lines.filter((l) => / (EdDSA|RS256) .* signing$/.test(l))).toHaveLength(2);
      expect(await runCli(["keys", "rotate"], env, io)).toBe(0);
      expect(lines.at(-1)).toMatch(/^New EdDSA signing key /);
      lines.length = 0;
      expect(await runCli(["keys", "list"], env, io)).toBe(0);
      expect(lines).toHaveLength(3);
      expect(lines.filter((l) => /EdDSA .* verifies until/.test(l))).toHaveLength(1);
      expect(await runCli(["keys", "rotate", "RS256"], env, io)).toBe(0);
      expect(lines.at(-1)).toMatch(/^New RS256 signing key /);
      lines.length = 0;
      expect(await runCli(["keys", "list"], env, io)).toBe(0);
      expect(lines.filter((l) => l.endsWith(" signing"))).toHaveLength(2);
      expect(lines.filter((l) => /RS256 .* verifies until/.test(l))).toHaveLength(1);
      expect(await runCli(["keys", "prune"], env, io)).toBe(0);
      expect(lines.at(-1)).toBe("No key to prune.");
      expect(await runCli(["keys", "spin"], env, io)).toBe(2);
      expect(await runCli(["keys", "rotate", "PS256"], env, io)).toBe(2);
      expect(await runCli(["keys", "list", "RS256"], env, io)).toBe(2);
      expect(await runCli(["keys", "rotate", "RS256", "now"], env, io)).toBe(2);
    } finally {
      await database.cleanup();
    }
  });
});
