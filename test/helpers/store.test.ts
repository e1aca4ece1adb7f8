/** The per-dialect store helper: a fresh migrated database per block, emptied before each test. */
import { describe, expect, it } from "vitest";
import { countUsers, insertUser } from "../../src/store/index.js";
import { TEST_DIALECTS } from "./database.js";
import { describeStore, type StoreContext } from "./store.js";

/** The time store writes are stamped with (the service's clock, frozen). */
const NOW = new Date(Date.UTC(2026, 10, 28, 12));
const NOW_MS = NOW.getTime();

const seen: string[] = [];

describeStore("describeStore", (ctx) => {
  it("opens a migrated database of its dialect", async () => {
    seen.push(ctx.dialect);
    expect(ctx.database.dialect).toBe(ctx.dialect);
    expect(ctx.db).toBe(ctx.database.db);
    await insertUser(ctx.db, {
      name: "first",
      email: "first@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    expect(await countUsers(ctx.db)).toBe(1);
  });

  it("empties it before the next test", async () => {
    expect(await countUsers(ctx.db)).toBe(0);
  });
});

describeStore("describeStore without clearing", { clearBeforeEach: false }, (ctx) => {
  it("keeps rows from one test", async () => {
    await insertUser(ctx.db, {
      name: "kept",
      email: "kept@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
  });

  it("for the next", async () => {
    expect(await countUsers(ctx.db)).toBe(1);
  });
});

let outside: StoreContext | undefined;
describeStore("describeStore without a database", { database: false }, (ctx) => {
  outside = ctx;
  it("gives the dialect only", () => {
    expect(TEST_DIALECTS).toContain(ctx.dialect);
    expect(() => ctx.database).toThrow(/opens no database/);
  });
});

describe("describeStore's blocks", () => {
  it("ran once per test dialect, in order", () => {
    expect(seen).toEqual([...TEST_DIALECTS]);
    expect(outside).toBeDefined();
  });
});
