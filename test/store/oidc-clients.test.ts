/**
 * The `oidc_clients` table (src/store/oidc-clients.ts) on every dialect: a client reads back as
 * written (metadata, digest, first party, times), lists oldest first, its secret digest and
 * metadata are replaced with `updated_at`, the metadata never holds the secret, and deleting a
 * client deletes the consents given to it.
 */
import { expect, it } from "vitest";
import {
  deleteOidcClientRecord,
  findOidcClient,
  insertOidcClient,
  insertUser,
  isUniqueViolation,
  listOidcClientRecords,
  setOidcClientMetadata,
  setOidcClientSecretHash,
  type NewOidcClient,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW = new Date(Date.UTC(2026, 11, 7, 9));
const NOW_MS = NOW.getTime();

function client(id: string, overrides: Partial<NewOidcClient> = {}): NewOidcClient {
  return {
    clientId: id,
    name: `App ${id}`,
    metadata: {
      client_id: id,
      client_name: `App ${id}`,
      redirect_uris: ["https://app.example/cb"],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
    secretHash: "d".repeat(43),
    firstParty: false,
    nowMs: NOW_MS,
    ...overrides,
  };
}

describeStore("oidc clients", (database) => {
  it("reads a client back as written", async () => {
    const written = await insertOidcClient(database.db, client("one", { firstParty: true }));
    const expected = {
      clientId: "one",
      name: "App one",
      metadata: client("one").metadata,
      secretHash: "d".repeat(43),
      firstParty: true,
      createdAt: NOW,
      updatedAt: NOW,
    };
    expect(written).toEqual(expected);
    expect(await findOidcClient(database.db, "one")).toEqual(expected);
    const pub = await insertOidcClient(
      database.db,
      client("public", { secretHash: null, metadata: { client_name: "Ünïcödé \u0000 \ud800" } }),
    );
    expect(pub).toMatchObject({ secretHash: null, firstParty: false });
    expect((await findOidcClient(database.db, "public"))!.metadata).toEqual({
      client_name: "Ünïcödé \u0000 \ud800",
    });
  });

  it("misses an unknown id, an empty one and one with a control character", async () => {
    await insertOidcClient(database.db, client("one"));
    for (const id of ["two", "", "one\u0000", "ONE"]) {
      expect(await findOidcClient(database.db, id), JSON.stringify(id)).toBeUndefined();
      expect(await deleteOidcClientRecord(database.db, id)).toBeUndefined();
      expect(await setOidcClientSecretHash(database.db, id, "x", NOW_MS)).toBeUndefined();
      expect(
        await setOidcClientMetadata(database.db, id, { metadata: {} }, NOW_MS),
      ).toBeUndefined();
    }
    expect(await findOidcClient(database.db, "one")).toBeDefined();
  });

  it("refuses a taken client_id", async () => {
    await insertOidcClient(database.db, client("one"));
    const error = await insertOidcClient(database.db, client("one")).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(error)).toBe(true);
  });

  it("never stores the secret in the metadata", async () => {
    await expect(
      insertOidcClient(
        database.db,
        client("one", { metadata: { client_id: "one", client_secret: "s" } }),
      ),
    ).rejects.toThrow(TypeError);
    await insertOidcClient(database.db, client("two"));
    await expect(
      setOidcClientMetadata(database.db, "two", { metadata: { client_secret: "s" } }, NOW_MS),
    ).rejects.toThrow(TypeError);
    expect(await listOidcClientRecords(database.db)).toHaveLength(1);
  });

  it("lists oldest first, ties by id", async () => {
    await insertOidcClient(database.db, client("c", { nowMs: NOW_MS + 2 }));
    await insertOidcClient(database.db, client("b", { nowMs: NOW_MS }));
    await insertOidcClient(database.db, client("a", { nowMs: NOW_MS + 2 }));
    expect((await listOidcClientRecords(database.db)).map((c) => c.clientId)).toEqual([
      "b",
      "a",
      "c",
    ]);
  });

  it("replaces the secret digest and the metadata, with updated_at", async () => {
    await insertOidcClient(database.db, client("one"));
    const rotated = await setOidcClientSecretHash(database.db, "one", "e".repeat(43), NOW_MS + 5);
    expect(rotated).toMatchObject({
      secretHash: "e".repeat(43),
      createdAt: NOW,
      updatedAt: new Date(NOW_MS + 5),
    });
    const renamed = await setOidcClientMetadata(
      database.db,
      "one",
      { metadata: { client_id: "one", client_name: "Renamed" }, name: "Renamed" },
      NOW_MS + 9,
    );
    expect(renamed).toMatchObject({
      name: "Renamed",
      metadata: { client_id: "one", client_name: "Renamed" },
      secretHash: "e".repeat(43),
      updatedAt: new Date(NOW_MS + 9),
    });
    const kept = await setOidcClientMetadata(database.db, "one", { metadata: {} }, NOW_MS + 10);
    expect(kept).toMatchObject({ name: "Renamed", metadata: {} });
    expect(await findOidcClient(database.db, "one")).toEqual(kept);
  });

  it("deletes a client and, by cascade, the consents given to it", async () => {
    const user = await insertUser(database.db, {
      name: "u",
      email: "u@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    await insertOidcClient(database.db, client("one"));
    await insertOidcClient(database.db, client("two"));
    for (const clientId of ["one", "two"]) {
      await database.db
        .insertInto("oidc_consents")
        .values({
          user_id: user.id,
          client_id: clientId,
          scopes: "openid profile",
          created_at: NOW_MS,
          updated_at: NOW_MS,
        })
        .execute();
    }
    expect(await deleteOidcClientRecord(database.db, "one")).toMatchObject({ clientId: "one" });
    expect(await deleteOidcClientRecord(database.db, "one")).toBeUndefined();
    expect(await findOidcClient(database.db, "one")).toBeUndefined();
    const consents = await database.db.selectFrom("oidc_consents").select("client_id").execute();
    expect(consents).toEqual([{ client_id: "two" }]);
  });
});
