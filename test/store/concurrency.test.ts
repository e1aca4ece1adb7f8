/**
 * Races through two separate connections (two better-sqlite3 handles on one file, or two pg
 * pools on one database): the database, not the JS code, decides who wins.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { ConflictError } from "../../src/core/errors.js";
import {
  addWebauthnCredential,
  bumpTokenVersion,
  consumeChallenge,
  countUsers,
  createChallenge,
  createDatabase,
  insertUser,
  getUserById,
  markTotpStepUsed,
  updateWebauthnCredentialCounter,
  type TesseraDatabase,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();
/** Racers per contest: two connections, each firing several calls at once. */
const RACERS_PER_CONNECTION = 4;

describeStore("races", (first) => {
  let second: TesseraDatabase;
  beforeAll(async () => {
    second = await createDatabase(first.database.url);
  });
  afterAll(async () => {
    await second?.destroy();
  });

  /** Runs `call` on both connections, RACERS_PER_CONNECTION times each, all at once. */
  function race<T>(call: (db: TesseraDatabase["db"], index: number) => Promise<T>) {
    const dbs = [first.db, second.db];
    return Promise.allSettled(
      Array.from({ length: dbs.length * RACERS_PER_CONNECTION }, (_, i) => call(dbs[i % 2]!, i)),
    );
  }

  it("lets exactly one of many racing insertUser calls for one name win; the rest get ConflictError", async () => {
    const results = await race((db, i) =>
      insertUser(db, {
        name: i % 2 === 0 ? "Racer" : "RACER",
        email: `racer${i}@example.org`,
        passwordHash: "h",
        nowMs: NOW_MS,
      }),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(2 * RACERS_PER_CONNECTION - 1);
    for (const result of lost) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    }
    expect(await countUsers(first.db)).toBe(1);
  });

  it("lets exactly one of many racing insertUser calls for one email win", async () => {
    const results = await race((db, i) =>
      insertUser(db, {
        name: `racer${i}`,
        email: "Same@Example.org",
        passwordHash: "h",
        nowMs: NOW_MS,
      }),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(
      results.filter((r) => r.status === "rejected" && r.reason instanceof ConflictError),
    ).toHaveLength(2 * RACERS_PER_CONNECTION - 1);
  });

  it("hands a challenge consumed by many racers at once to exactly one of them", async () => {
    const id = await createChallenge(first.db, {
      userId: null,
      purpose: "webauthn_login",
      challenge: "only-once",
      expiresAtMs: NOW_MS + 60_000,
    });
    const results = await race((db) => consumeChallenge(db, id, "webauthn_login", NOW_MS));
    const got = results.flatMap((r) => (r.status === "fulfilled" && r.value ? [r.value] : []));
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(got).toEqual([{ userId: null, challenge: "only-once" }]);
  });

  it("accepts one TOTP step raced by many requests exactly once", async () => {
    const user = await insertUser(first.db, {
      name: "totp",
      email: "t@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    const results = await race((db) => markTotpStepUsed(db, user.id, 59_000_000));
    expect(results.filter((r) => r.status === "fulfilled" && r.value === true)).toHaveLength(1);
    expect(results.filter((r) => r.status === "fulfilled" && r.value === false)).toHaveLength(
      2 * RACERS_PER_CONNECTION - 1,
    );
  });

  it("accepts one passkey signature counter raced by many requests exactly once", async () => {
    const user = await insertUser(first.db, {
      name: "key",
      email: "k@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    await addWebauthnCredential(
      first.db,
      {
        id: "cred",
        userId: user.id,
        publicKey: new Uint8Array([1]),
        counter: 7,
        transports: [],
        name: "key",
        deviceType: "singleDevice",
        backedUp: false,
      },
      NOW_MS,
    );
    const results = await race((db) => updateWebauthnCredentialCounter(db, "cred", 8, NOW_MS));
    expect(results.filter((r) => r.status === "fulfilled" && r.value === true)).toHaveLength(1);
  });

  it("loses no token-version bump when many race", async () => {
    const user = await insertUser(first.db, {
      name: "bump",
      email: "b@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    const results = await race((db) => bumpTokenVersion(db, user.id));
    const versions = results.map((r) => (r.status === "fulfilled" ? r.value : undefined));
    expect(new Set(versions).size).toBe(2 * RACERS_PER_CONNECTION);
    expect((await getUserById(first.db, user.id))?.tokenVersion).toBe(2 * RACERS_PER_CONNECTION);
  });
});
