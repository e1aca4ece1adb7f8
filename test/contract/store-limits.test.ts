/**
 * The store checks the same limits as the wire, imported from `src/contract/limits.ts` (the
 * passkey name was 64 on the wire and 100 in the store): at the limit a row is written, one
 * over it is refused with `validation_error` and nothing is written.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  MAX_CREDENTIAL_ID_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PASSKEY_NAME_LENGTH,
} from "../../src/contract/limits.js";
import { ClientError } from "../../src/core/errors.js";
import {
  addWebauthnCredential,
  checkIdentifiers,
  insertUser,
  listWebauthnCredentials,
  renameWebauthnCredential,
  type NewWebauthnCredential,
  type User,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

/** The time store writes are stamped with (the service's clock, frozen). */
const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();

function expectValidationError(error: unknown): void {
  expect(error).toBeInstanceOf(ClientError);
  expect((error as ClientError).code).toBe("validation_error");
}

describe("identifier limits", () => {
  it(`accepts a name and an email of ${MAX_NAME_LENGTH} characters, not ${MAX_NAME_LENGTH + 1}`, () => {
    const local = "e".repeat(64);
    const email = (length: number) => `${local}@${"d".repeat(length - local.length - 1 - 4)}.org`;
    expect(checkIdentifiers("n".repeat(MAX_NAME_LENGTH), email(MAX_NAME_LENGTH)).name).toHaveLength(
      MAX_NAME_LENGTH,
    );
    for (const [name, mail] of [
      ["n".repeat(MAX_NAME_LENGTH + 1), email(MAX_NAME_LENGTH)],
      ["n", email(MAX_NAME_LENGTH + 1)],
    ] as const) {
      let error: unknown;
      try {
        checkIdentifiers(name, mail);
      } catch (caught) {
        error = caught;
      }
      expectValidationError(error);
    }
  });
});

describeStore("passkey limits in the store", { clearBeforeEach: false }, (database) => {
  let owner: User;
  beforeAll(async () => {
    owner = await insertUser(database.db, {
      name: "owner",
      email: "owner@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
  });

  const credential = (overrides: Partial<NewWebauthnCredential>): NewWebauthnCredential => ({
    id: "AbC-_123",
    userId: owner.id,
    publicKey: new Uint8Array([0xa5, 0x01, 0x02, 0x03, 0x26, 0x00, 0xff]),
    counter: 0,
    transports: ["internal"],
    name: "Laptop",
    deviceType: "singleDevice",
    backedUp: false,
    ...overrides,
  });
  const ids = async () => (await listWebauthnCredentials(database.db, owner.id)).map((c) => c.id);

  it(`stores a passkey named with ${MAX_PASSKEY_NAME_LENGTH} characters, not ${MAX_PASSKEY_NAME_LENGTH + 1}`, async () => {
    expectValidationError(
      await addWebauthnCredential(
        database.db,
        credential({ id: "name-over", name: "n".repeat(MAX_PASSKEY_NAME_LENGTH + 1) }),
        NOW_MS,
      ).catch((e: unknown) => e),
    );
    expect(await ids()).not.toContain("name-over");
    await addWebauthnCredential(
      database.db,
      credential({ id: "name-at", name: "n".repeat(MAX_PASSKEY_NAME_LENGTH) }),
      NOW_MS,
    );
    expectValidationError(
      await renameWebauthnCredential(
        database.db,
        owner.id,
        "name-at",
        "r".repeat(MAX_PASSKEY_NAME_LENGTH + 1),
      ).catch((e: unknown) => e),
    );
    const [stored] = await listWebauthnCredentials(database.db, owner.id);
    expect(stored?.name).toBe("n".repeat(MAX_PASSKEY_NAME_LENGTH));
  });

  it(`stores a credential id of ${MAX_CREDENTIAL_ID_LENGTH} characters, not ${MAX_CREDENTIAL_ID_LENGTH + 1}`, async () => {
    const over = "B".repeat(MAX_CREDENTIAL_ID_LENGTH + 1);
    expectValidationError(
      await addWebauthnCredential(database.db, credential({ id: over }), NOW_MS).catch(
        (e: unknown) => e,
      ),
    );
    expect(await ids()).not.toContain(over);
    const atLimit = "C".repeat(MAX_CREDENTIAL_ID_LENGTH);
    await addWebauthnCredential(database.db, credential({ id: atLimit }), NOW_MS);
    expect(await ids()).toContain(atLimit);
  });
});
