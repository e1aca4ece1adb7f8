import { beforeEach, expect, it } from "vitest";
import { ClientError, ConflictError, NotFoundError } from "../../src/core/errors.js";
import {
  addWebauthnCredential,
  countWebauthnCredentials,
  insertUser,
  deleteWebauthnCredential,
  getWebauthnCredentialById,
  listWebauthnCredentials,
  renameWebauthnCredential,
  updateWebauthnCredentialCounter,
  type NewWebauthnCredential,
  type User,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

/** The time store writes are stamped with (the service's clock, frozen). */
const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();

const T0 = new Date(Date.UTC(2026, 4, 6, 7, 8, 9, 10));
const UNKNOWN_USER = "00000000-0000-4000-8000-000000000000";

describeStore("passkeys", (database) => {
  let owner: User;
  let stranger: User;
  beforeEach(async () => {
    owner = await insertUser(database.db, {
      name: "owner",
      email: "o@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    stranger = await insertUser(database.db, {
      name: "other",
      email: "x@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
  });

  const credential = (overrides: Partial<NewWebauthnCredential> = {}): NewWebauthnCredential => ({
    id: "AbC-_123",
    userId: owner.id,
    publicKey: new Uint8Array([0xa5, 0x01, 0x02, 0x03, 0x26, 0x00, 0xff]),
    counter: 0,
    transports: ["internal", "hybrid"],
    name: "Laptop",
    deviceType: "multiDevice",
    backedUp: true,
    ...overrides,
  });

  it("stores a passkey and reads every field back, public key bytes included", async () => {
    const added = await addWebauthnCredential(database.db, credential(), T0.getTime());
    const expected = { ...credential(), createdAt: T0, lastUsedAt: null };
    expect(added).toEqual(expected);
    const read = await getWebauthnCredentialById(database.db, "AbC-_123");
    expect(read).toEqual(expected);
    expect(read?.publicKey).toBeInstanceOf(Uint8Array);
    expect(Array.from(read?.publicKey ?? [])).toEqual([0xa5, 0x01, 0x02, 0x03, 0x26, 0x00, 0xff]);
    expect(read?.backedUp).toBe(true);
  });

  it("stores the bytes of a Uint8Array that views part of a larger buffer", async () => {
    const big = new Uint8Array([9, 9, 1, 2, 3, 9]);
    await addWebauthnCredential(database.db, credential({ publicKey: big.subarray(2, 5) }), NOW_MS);
    const read = await getWebauthnCredentialById(database.db, "AbC-_123");
    expect(Array.from(read?.publicKey ?? [])).toEqual([1, 2, 3]);
  });

  it("lists and counts only the user's own passkeys, oldest first", async () => {
    await addWebauthnCredential(database.db, credential({ id: "b" }), T0.getTime() + 1);
    await addWebauthnCredential(database.db, credential({ id: "a" }), T0.getTime());
    await addWebauthnCredential(
      database.db,
      credential({ id: "c", userId: stranger.id }),
      T0.getTime(),
    );
    expect((await listWebauthnCredentials(database.db, owner.id)).map((c) => c.id)).toEqual([
      "a",
      "b",
    ]);
    expect(await countWebauthnCredentials(database.db, owner.id)).toBe(2);
    expect(await countWebauthnCredentials(database.db, stranger.id)).toBe(1);
    expect(await listWebauthnCredentials(database.db, "nope")).toEqual([]);
    expect(await countWebauthnCredentials(database.db, "nope")).toBe(0);
  });

  it("refuses a credential id that is already registered, even to another user", async () => {
    await addWebauthnCredential(database.db, credential(), NOW_MS);
    await expect(
      addWebauthnCredential(database.db, credential({ userId: stranger.id }), NOW_MS),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it("refuses a passkey for a user that does not exist", async () => {
    await expect(
      addWebauthnCredential(database.db, credential({ userId: UNKNOWN_USER }), NOW_MS),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      addWebauthnCredential(database.db, credential({ userId: "garbage" }), NOW_MS),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses malformed credential ids and names with validation_error", async () => {
    for (const bad of [
      { id: "" },
      { id: "has space" },
      { id: "a+b/c=" },
      { name: "  " },
      { name: "x".repeat(101) },
      { name: "a\u0000b" },
    ]) {
      const error = await addWebauthnCredential(database.db, credential(bad), NOW_MS).catch(
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(bad)).toBeInstanceOf(ClientError);
      expect((error as ClientError).code).toBe("validation_error");
    }
  });

  it("accepts only a counter greater than the stored one, or 0 after 0", async () => {
    await addWebauthnCredential(database.db, credential({ counter: 0 }), NOW_MS);
    const t1 = new Date(T0.getTime() + 1);
    expect(await updateWebauthnCredentialCounter(database.db, "AbC-_123", 0, t1.getTime())).toBe(
      true,
    );
    expect((await getWebauthnCredentialById(database.db, "AbC-_123"))?.lastUsedAt).toEqual(t1);
    expect(await updateWebauthnCredentialCounter(database.db, "AbC-_123", 5, T0.getTime())).toBe(
      true,
    );
    expect(await updateWebauthnCredentialCounter(database.db, "AbC-_123", 5, T0.getTime())).toBe(
      false,
    );
    expect(await updateWebauthnCredentialCounter(database.db, "AbC-_123", 4, T0.getTime())).toBe(
      false,
    );
    expect(await updateWebauthnCredentialCounter(database.db, "AbC-_123", 0, T0.getTime())).toBe(
      false,
    );
    expect(
      await updateWebauthnCredentialCounter(database.db, "AbC-_123", 0xffff_ffff, T0.getTime()),
    ).toBe(true);
    expect((await getWebauthnCredentialById(database.db, "AbC-_123"))?.counter).toBe(0xffff_ffff);
    expect(await updateWebauthnCredentialCounter(database.db, "unknown", 9, T0.getTime())).toBe(
      false,
    );
    await expect(
      updateWebauthnCredentialCounter(database.db, "AbC-_123", -1, T0.getTime()),
    ).rejects.toThrow(TypeError);
  });

  it("renames and deletes a passkey only for its owner", async () => {
    await addWebauthnCredential(database.db, credential(), NOW_MS);
    expect(await renameWebauthnCredential(database.db, stranger.id, "AbC-_123", "Mine now")).toBe(
      false,
    );
    expect(await renameWebauthnCredential(database.db, owner.id, "AbC-_123", "  Phone ")).toBe(
      true,
    );
    expect((await getWebauthnCredentialById(database.db, "AbC-_123"))?.name).toBe("Phone");
    await expect(
      renameWebauthnCredential(database.db, owner.id, "AbC-_123", ""),
    ).rejects.toBeInstanceOf(ClientError);
    expect(await deleteWebauthnCredential(database.db, stranger.id, "AbC-_123")).toBe(false);
    expect(await deleteWebauthnCredential(database.db, owner.id, "AbC-_123")).toBe(true);
    expect(await deleteWebauthnCredential(database.db, owner.id, "AbC-_123")).toBe(false);
    expect(await getWebauthnCredentialById(database.db, "AbC-_123")).toBeUndefined();
  });
});
