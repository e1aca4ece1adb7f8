/**
 * The counter file of a SQLite deployment (`src/store/rate-limit/counter-file.ts`) and its
 * store (`sqlite-file.ts`), on real files. The behaviour every store shares runs over it in
 * `test/services/abuse/rate-limit/` (the harness's "sqlite counter file" kind); here is what
 * only this one has: the file's settings and layout, a file made by an earlier version, the
 * sweep, and other processes on the same file.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { WindowPolicy } from "../../../src/core/rate-limit.js";
import { counterFilePath, openCounterFile } from "../../../src/store/rate-limit/index.js";
// Not exported from the index: its declaration names better-sqlite3's types, which the public
// declarations keep out (test/package-types.test.ts).
import { createSqliteFileRateLimitStore } from "../../../src/store/rate-limit/sqlite-file.js";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "tessera-counter-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1);
const HOUR_MS = 3_600_000;
const WINDOW: WindowPolicy = { kind: "window", maxFailures: 1_000_000, windowMs: HOUR_MS };
let files = 0;
const newPath = () => join(dir, `t${(files += 1)}.db-counters`);

describe("counterFilePath", () => {
  it("puts the counters beside a SQLite file and nowhere else", () => {
    expect(counterFilePath("sqlite:///var/lib/tessera/main.db")).toBe(
      "/var/lib/tessera/main.db-counters",
    );
    expect(counterFilePath("./data/tessera.db")).toBe("./data/tessera.db-counters");
    expect(counterFilePath(":memory:")).toBeNull();
    expect(counterFilePath("postgres://127.0.0.1/test")).toBeNull();
  });
});

describe("openCounterFile", () => {
  it("makes a WAL file with the rows in the key's own b-tree and the sweep's index", () => {
    const path = newPath();
    openCounterFile(path).close();
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
      const table = raw
        .prepare("select sql from sqlite_master where name = 'rate_limit_counters'")
        .pluck()
        .get() as string;
      expect(table).toMatch(/without rowid$/i);
      // The sweep's index.
      expect(
        raw
          .prepare("select name from sqlite_master where type = 'index' and tbl_name = ?")
          .pluck()
          .all("rate_limit_counters"),
      ).toContain("rate_limit_counters_expires_at_ms");
    } finally {
      raw.close();
    }
  });

  it("keeps counting in a file an earlier version made (a rowid table and its key index)", async () => {
    const path = newPath();
    const old = new BetterSqlite3(path);
    old.exec(`create table "rate_limit_counters" ("key" text primary key,
        "failures" integer not null, "locked_until_ms" integer not null,
        "expires_at_ms" integer not null);
      create index "rate_limit_counters_expires_at_ms" on "rate_limit_counters" ("expires_at_ms");
      insert into rate_limit_counters values ('kept', 2, 0, ${T0 + HOUR_MS});`);
    old.close();
    const file = openCounterFile(path);
    try {
      await file.store.reserve([{ key: "kept", policy: WINDOW }], T0);
      expect(await file.store.get("kept", T0)).toEqual({ failures: 3, lockedUntilMs: 0 });
      await file.store.settle?.([{ key: "kept", policy: WINDOW }], [], T0);
      expect(await file.store.get("kept", T0)).toEqual({ failures: 2, lockedUntilMs: 0 });
    } finally {
      file.close();
    }
  });
});

describe("the counter file's store", () => {
  it("sweeps expired rows at most once per interval", async () => {
    const path = newPath();
    openCounterFile(path).close();
    const raw = new BetterSqlite3(path);
    const count = () =>
      raw.prepare("select count(*) from rate_limit_counters").pluck().get() as number;
    try {
      const store = createSqliteFileRateLimitStore(raw, { sweepIntervalMs: 60_000 });
      await store.recordFailure("a", WINDOW, T0);
      await store.recordFailure("b", { ...WINDOW, windowMs: 1_000 }, T0);
      expect(count()).toBe(2);
      // "b" has expired, but the last sweep was less than an interval ago.
      await store.recordFailure("a", WINDOW, T0 + 30_000);
      expect(count()).toBe(2);
      await store.reserve([{ key: "a", policy: WINDOW }], T0 + 61_000);
      expect(count()).toBe(1);
      expect(await store.get("b", T0 + 61_000)).toBeNull();
    } finally {
      raw.close();
    }
  });

  it("stores a long key as its SHA-256 and still tells two long keys apart", async () => {
    const path = newPath();
    const file = openCounterFile(path);
    const long = "unknown:" + "x".repeat(1_000);
    try {
      await file.store.recordFailure(long, WINDOW, T0);
      await file.store.recordFailure(`${long}y`, WINDOW, T0);
      await file.store.recordFailure(`${long}y`, WINDOW, T0);
      expect(await file.store.get(long, T0)).toEqual({ failures: 1, lockedUntilMs: 0 });
      expect(await file.store.get(`${long}y`, T0)).toEqual({ failures: 2, lockedUntilMs: 0 });
    } finally {
      file.close();
    }
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      const keys = raw.prepare("select key from rate_limit_counters").pluck().all() as string[];
      expect(keys).toHaveLength(2);
      for (const key of keys) expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
    } finally {
      raw.close();
    }
  });

  it("loses no reservation when two other processes reserve on the same file all along", async () => {
    const path = newPath();
    const file = openCounterFile(path);
    const worker = fileURLToPath(new URL("../../helpers/counter-file-worker.ts", import.meta.url));
    const tsx = join(process.cwd(), "node_modules/.bin/tsx");
    try {
      let running = true;
      const workers = Promise.all(
        [1, 2].map(() => run(tsx, [worker, path, "150", String(T0)])),
      ).finally(() => {
        running = false;
      });
      // This process reserves too, for as long as they run (each one IMMEDIATE transaction).
      let mine = 0;
      while (running) {
        await file.store.reserve([{ key: "shared", policy: WINDOW }], T0);
        mine += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await workers;
      expect(await file.store.get("shared", T0)).toEqual({
        failures: 300 + mine,
        lockedUntilMs: 0,
      });
    } finally {
      file.close();
    }
  });
});
