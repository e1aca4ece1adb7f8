/**
 * The cap of passkeys per user (issue 25 item 4: the passkey list is bounded by it) on every
 * dialect, also when registrations race on separate connections.
 */
import { expect, it } from "vitest";
import { MAX_PASSKEYS_PER_USER } from "../../src/contract/index.js";
import { ConflictError } from "../../src/core/errors.js";
import {
  addWebauthnCredential,
  countWebauthnCredentials,
  insertUser,
  listWebauthnCredentials,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$fakefakefakefakefakefakefakefakefakefakefak";
const NOW = new Date(Date.UTC(2026, 10, 30, 9));
const NOW_MS = NOW.getTime();

describeStore("passkeys per user", (ctx) => {
  const passkey = (userId: string, n: number) =>
    addWebauthnCredential(
      ctx.db,
      {
        id: Buffer.from(`credential-${userId}-${n}`).toString("base64url"),
        userId,
        publicKey: new Uint8Array([1, 2, 3]),
        counter: 0,
        transports: [],
        name: `key ${n}`,
        deviceType: "singleDevice",
        backedUp: false,
      },
      NOW_MS,
    );

  it(`stores ${MAX_PASSKEYS_PER_USER} passkeys and refuses the next with 409`, async () => {
    const user = await insertUser(ctx.db, {
      name: "a",
      email: "a@example.org",
      passwordHash: HASH,
      nowMs: NOW_MS,
    });
    for (let n = 0; n < MAX_PASSKEYS_PER_USER; n += 1) await passkey(user.id, n);
    const error = await passkey(user.id, 99).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: "conflict", extra: { max: MAX_PASSKEYS_PER_USER } });
    expect(await listWebauthnCredentials(ctx.db, user.id)).toHaveLength(MAX_PASSKEYS_PER_USER);
  });

  it("keeps the cap when 10 registrations race two places before it", async () => {
    const user = await insertUser(ctx.db, {
      name: "b",
      email: "b@example.org",
      passwordHash: HASH,
      nowMs: NOW_MS,
    });
    for (let n = 0; n < MAX_PASSKEYS_PER_USER - 2; n += 1) await passkey(user.id, n);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => passkey(user.id, 100 + i)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(await countWebauthnCredentials(ctx.db, user.id)).toBe(MAX_PASSKEYS_PER_USER);
  });
});
