import { expect, it } from "vitest";
import { ClientError, ConflictError } from "../../src/core/errors.js";
import { createDatabaseChallengeStore } from "../../src/store/challenges/index.js";
import {
  addWebauthnCredential,
  bumpTokenVersion,
  confirmTotpSecret,
  countUsers,
  countWebauthnCredentials,
  insertUser,
  deleteUserRow,
  disableTotp,
  getUserById,
  getUserByNameOrMail,
  listUsers,
  markTotpStepUsed,
  setUserAdmin,
  setUserLocale,
  recordLogin,
  setPasswordHash,
  setTotpPendingSecret,
  type User,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

/** The time store writes are stamped with (the service's clock, frozen). */
const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();

const HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$fakefakefakefakefakefakefakefakefakefakefak";
const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));

describeStore("users", (database) => {
  const make = (
    name: string,
    email: string,
    extra: Partial<Parameters<typeof insertUser>[1]> = {},
  ) => insertUser(database.db, { name, email, passwordHash: HASH, nowMs: T0.getTime(), ...extra });

  async function expectCode(
    promise: Promise<unknown>,
    type: typeof ClientError | typeof ConflictError,
    code: string,
  ) {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(type);
    expect((error as ClientError).code).toBe(code);
    return error as ClientError | ConflictError;
  }

  it("creates a user with a random UUID and reads every field back exactly", async () => {
    const created = await make("  Ada  ", "Ada@Example.org", {
      isAdmin: true,
      mustChangePassword: true,
    });
    expect(created.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const expected: User = {
      id: created.id,
      name: "Ada",
      email: "Ada@Example.org",
      passwordHash: HASH,
      totpSecret: null,
      totpPendingSecret: null,
      totpLastStep: null,
      isAdmin: true,
      mustChangePassword: true,
      tokenVersion: 0,
      createdAt: T0,
      updatedAt: T0,
      lastLoginAt: null,
      recoveryCodesLeft: null,
      lockedAt: null,
      lockedUntil: null,
      lockReason: null,
      emailVerifiedAt: null,
      requiresVerifiedEmail: false,
      locale: null,
    };
    expect(created).toEqual(expected);
    expect(await getUserById(database.db, created.id)).toEqual(expected);
    const other = await make("Bob", "bob@example.org");
    expect(other.isAdmin).toBe(false);
    expect(other.mustChangePassword).toBe(false);
    expect(other.id).not.toBe(created.id);
  });

  it("round-trips timestamps to the exact millisecond", async () => {
    const user = await make("ms", "ms@example.org", { nowMs: 1_767_225_600_001 });
    await recordLogin(database.db, user.id, 8_640_000_000_000_000 - 1);
    const read = await getUserById(database.db, user.id);
    expect(read?.createdAt.getTime()).toBe(1_767_225_600_001);
    expect(read?.lastLoginAt?.getTime()).toBe(8_640_000_000_000_000 - 1);
  });

  it("finds a user by name with Unicode case folding: ÄRNE is ärne and STRASSE is straße", async () => {
    const arne = await make("ÄRNE", "arne@example.org");
    const strasse = await make("straße", "strasse@example.org");
    expect((await getUserByNameOrMail(database.db, "ärne"))?.id).toBe(arne.id);
    expect((await getUserByNameOrMail(database.db, "Ärne"))?.id).toBe(arne.id);
    expect((await getUserByNameOrMail(database.db, "STRASSE"))?.id).toBe(strasse.id);
    expect((await getUserByNameOrMail(database.db, "Strasse"))?.id).toBe(strasse.id);
    expect((await getUserByNameOrMail(database.db, "STRAẞE"))?.id).toBe(strasse.id);
    // NFKC: fullwidth letters are the same name.
    expect((await getUserByNameOrMail(database.db, "ＳＴＲＡＳＳＥ"))?.id).toBe(strasse.id);
    expect((await getUserByNameOrMail(database.db, "  ärne\t"))?.id).toBe(arne.id);
  });

  it("refuses a second user whose name differs only by Unicode case", async () => {
    await make("ärne", "a1@example.org");
    const error = await expectCode(make("ÄRNE", "a2@example.org"), ConflictError, "conflict");
    expect(error.extra).toEqual({ field: "name" });
    await make("STRASSE", "s1@example.org");
    await expectCode(make("straße", "s2@example.org"), ConflictError, "conflict");
  });

  it("finds a user by email case-insensitively and refuses the same email twice", async () => {
    const user = await make("eve", "Eve.Ärger@Example.org");
    expect((await getUserByNameOrMail(database.db, "eve.ärger@EXAMPLE.ORG"))?.id).toBe(user.id);
    const error = await expectCode(
      make("eve2", "EVE.ÄRGER@example.org"),
      ConflictError,
      "conflict",
    );
    expect(error.extra).toEqual({ field: "email" });
  });

  it("looks a query up as a name first, then as an email (the seed's rule)", async () => {
    const alice = await make("alice", "someone@example.org");
    const bob = await make("bob", "alice@example.org");
    expect((await getUserByNameOrMail(database.db, "ALICE"))?.id).toBe(alice.id);
    expect((await getUserByNameOrMail(database.db, "Alice@Example.org"))?.id).toBe(bob.id);
    expect((await getUserByNameOrMail(database.db, "someone@example.org"))?.id).toBe(alice.id);
  });

  it("answers undefined for an unknown, empty or blank query", async () => {
    await make("carol", "carol@example.org");
    for (const query of ["nobody", "", "   ", "carol@example.com", "caro"]) {
      expect(await getUserByNameOrMail(database.db, query)).toBeUndefined();
    }
  });

  it("answers undefined for malformed ids instead of a database error", async () => {
    const user = await make("dave", "dave@example.org");
    for (const id of ["", "42", "not-a-uuid", `${user.id}x`, "'; drop table users; --", "\u0000"]) {
      expect(await getUserById(database.db, id)).toBeUndefined();
    }
    expect((await getUserById(database.db, user.id.toUpperCase()))?.id).toBe(user.id);
    expect(await getUserById(database.db, "00000000-0000-4000-8000-000000000000")).toBeUndefined();
  });

  it("refuses invalid names and emails with validation_error", async () => {
    const long = "x".repeat(255);
    const cases: Array<[string, string, "name" | "email"]> = [
      ["", "ok@example.org", "name"],
      ["   ", "ok@example.org", "name"],
      [long, "ok@example.org", "name"],
      ["frank@example.org", "ok@example.org", "name"],
      ["frank＠example.org", "ok@example.org", "name"],
      ["tab\tname", "ok@example.org", "name"],
      ["frank", "", "email"],
      ["frank", "not-an-email", "email"],
      ["frank", "two@@example.org", "email"],
      ["frank", "a b@example.org", "email"],
      ["frank", "a@example..org", "email"],
      ["frank", `${"l".repeat(65)}@example.org`, "email"],
      ["frank", `a@${"d".repeat(250)}.org`, "email"],
    ];
    for (const [name, email, field] of cases) {
      const error = await expectCode(make(name, email), ClientError, "validation_error");
      expect(error.extra, `${name} / ${email}`).toMatchObject({ field });
    }
    expect(await countUsers(database.db)).toBe(0);
    // 254 characters is still allowed.
    await make("n".repeat(254), `${"l".repeat(64)}@${"d".repeat(185)}.org`);
  });

  it("lists users oldest first and counts them", async () => {
    expect(await listUsers(database.db)).toEqual([]);
    expect(await countUsers(database.db)).toBe(0);
    const second = await make("second", "2@example.org", { nowMs: T0.getTime() + 1 });
    const first = await make("first", "1@example.org", { nowMs: T0.getTime() });
    expect((await listUsers(database.db)).map((u) => u.id)).toEqual([first.id, second.id]);
    expect(await countUsers(database.db)).toBe(2);
  });

  it("promotes a user to admin and answers undefined for a missing one", async () => {
    const user = await make("grace", "grace@example.org");
    const later = new Date(T0.getTime() + 1000);
    const promoted = await setUserAdmin(database.db, user.id, later.getTime());
    expect(promoted?.isAdmin).toBe(true);
    expect(promoted?.updatedAt).toEqual(later);
    expect((await getUserById(database.db, user.id))?.isAdmin).toBe(true);
    expect(
      await setUserAdmin(database.db, "00000000-0000-4000-8000-000000000000", NOW_MS),
    ).toBeUndefined();
    expect(await setUserAdmin(database.db, "garbage", NOW_MS)).toBeUndefined();
  });

  it("saves and clears the language a person chose, and answers undefined for a missing one", async () => {
    const user = await make("judy", "judy@example.org");
    expect(user.locale).toBeNull();
    const later = new Date(T0.getTime() + 1000);
    const saved = await setUserLocale(database.db, user.id, "de", later.getTime());
    expect(saved?.locale).toBe("de");
    expect(saved?.updatedAt).toEqual(later);
    expect((await getUserById(database.db, user.id))?.locale).toBe("de");
    await setUserLocale(database.db, user.id, null, NOW_MS);
    expect((await getUserById(database.db, user.id))?.locale).toBeNull();
    expect(
      await setUserLocale(database.db, "00000000-0000-4000-8000-000000000000", "fr", NOW_MS),
    ).toBeUndefined();
    expect(await setUserLocale(database.db, "garbage", "fr", NOW_MS)).toBeUndefined();
  });

  it("deletes a user together with their passkeys and challenges", async () => {
    const user = await make("heidi", "heidi@example.org");
    const keep = await make("ivan", "ivan@example.org");
    for (const owner of [user, keep]) {
      await addWebauthnCredential(
        database.db,
        {
          id: `cred-${owner.name}`,
          userId: owner.id,
          publicKey: new Uint8Array([1, 2, 3]),
          counter: 0,
          transports: [],
          name: "key",
          deviceType: "singleDevice",
          backedUp: false,
        },
        NOW_MS,
      );
      await createDatabaseChallengeStore(database.db).put(
        { userId: owner.id, purpose: "webauthn_login_2fa", challenge: `c-${owner.name}` },
        60_000,
        T0.getTime(),
      );
    }
    expect(await deleteUserRow(database.db, user.id)).toBe(true);
    expect(await getUserById(database.db, user.id)).toBeUndefined();
    expect(await countWebauthnCredentials(database.db, user.id)).toBe(0);
    const challengeOwners = await database.db
      .selectFrom("auth_challenges")
      .select("user_id")
      .execute();
    expect(challengeOwners.map((r) => r.user_id)).toEqual([keep.id]);
    expect(await countWebauthnCredentials(database.db, keep.id)).toBe(1);
    expect(await deleteUserRow(database.db, user.id)).toBe(false);
    expect(await deleteUserRow(database.db, "nope")).toBe(false);
  });

  it("sets a password hash and, with endSessions, bumps the token version in the same write", async () => {
    const user = await make("judy", "judy@example.org", { mustChangePassword: true });
    const t1 = new Date(T0.getTime() + 5000);
    const kept = await setPasswordHash(database.db, user.id, "hash-2", {
      mustChangePassword: false,
      endSessions: false,
      nowMs: t1.getTime(),
    });
    expect(kept).toMatchObject({
      passwordHash: "hash-2",
      mustChangePassword: false,
      tokenVersion: 0,
    });
    expect(kept?.updatedAt).toEqual(t1);
    const ended = await setPasswordHash(database.db, user.id, "hash-3", {
      mustChangePassword: true,
      endSessions: true,
      nowMs: NOW_MS,
    });
    expect(ended).toMatchObject({
      passwordHash: "hash-3",
      mustChangePassword: true,
      tokenVersion: 1,
    });
    expect(
      await setPasswordHash(database.db, "00000000-0000-4000-8000-000000000000", "h", {
        mustChangePassword: false,
        endSessions: true,
        nowMs: NOW_MS,
      }),
    ).toBeUndefined();
  });

  it("bumps the token version to log out everywhere", async () => {
    const user = await make("ken", "ken@example.org");
    expect(await bumpTokenVersion(database.db, user.id)).toBe(1);
    expect(await bumpTokenVersion(database.db, user.id)).toBe(2);
    expect((await getUserById(database.db, user.id))?.tokenVersion).toBe(2);
    expect(
      await bumpTokenVersion(database.db, "00000000-0000-4000-8000-000000000000"),
    ).toBeUndefined();
  });

  it("records the last login time", async () => {
    const user = await make("leo", "leo@example.org");
    const at = new Date(T0.getTime() + 123_456);
    await recordLogin(database.db, user.id, at.getTime());
    expect((await getUserById(database.db, user.id))?.lastLoginAt).toEqual(at);
  });

  it("confirms a pending TOTP secret, marking the step used, and disables it again", async () => {
    const user = await make("mia", "mia@example.org");
    expect(await confirmTotpSecret(database.db, user.id, 100, { nowMs: NOW_MS })).toBe(false);
    await setTotpPendingSecret(database.db, user.id, "PENDINGSECRET");
    expect(await getUserById(database.db, user.id)).toMatchObject({
      totpSecret: null,
      totpPendingSecret: "PENDINGSECRET",
    });
    expect(
      await confirmTotpSecret(database.db, user.id, 100, {
        pendingSecret: "OTHERSECRET",
        nowMs: NOW_MS,
      }),
    ).toBe(false);
    expect(
      await confirmTotpSecret(database.db, user.id, 59_000_000, {
        pendingSecret: "PENDINGSECRET",
        nowMs: NOW_MS,
      }),
    ).toBe(true);
    expect(await getUserById(database.db, user.id)).toMatchObject({
      totpSecret: "PENDINGSECRET",
      totpPendingSecret: null,
      totpLastStep: 59_000_000,
    });
    expect(await confirmTotpSecret(database.db, user.id, 59_000_001, { nowMs: NOW_MS })).toBe(
      false,
    );
    await disableTotp(database.db, user.id, NOW_MS);
    expect(await getUserById(database.db, user.id)).toMatchObject({
      totpSecret: null,
      totpPendingSecret: null,
      totpLastStep: null,
    });
  });

  it("accepts a TOTP step only when it is later than the last one used", async () => {
    const user = await make("nina", "nina@example.org");
    expect(await markTotpStepUsed(database.db, user.id, 59_000_000)).toBe(true);
    expect(await markTotpStepUsed(database.db, user.id, 59_000_000)).toBe(false);
    expect(await markTotpStepUsed(database.db, user.id, 58_999_999)).toBe(false);
    expect(await markTotpStepUsed(database.db, user.id, 59_000_001)).toBe(true);
    const read = await getUserById(database.db, user.id);
    expect(read?.totpLastStep).toBe(59_000_001);
    expect(typeof read?.totpLastStep).toBe("number");
    expect(await markTotpStepUsed(database.db, "not-a-uuid", 1)).toBe(false);
    await expect(markTotpStepUsed(database.db, user.id, 1.5)).rejects.toThrow(TypeError);
  });
});
