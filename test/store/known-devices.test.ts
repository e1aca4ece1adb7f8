/**
 * The `known_devices` table (src/store/known-devices.ts) on every dialect: what a sign-in's
 * device record answers (seen before, and when; the user's first device at all), and the
 * sweep of devices not seen for long, and the extra ids recorded alongside.
 */
import { expect, it } from "vitest";
import {
  insertUser,
  deleteStaleDevices,
  recordDeviceSeen,
  type User,
} from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW = new Date(Date.UTC(2026, 10, 30, 12));
const NOW_MS = NOW.getTime();
const later = (ms: number) => new Date(NOW.getTime() + ms);

describeStore("known devices", (database) => {
  const user = (): Promise<User> =>
    insertUser(database.db, {
      name: "u",
      email: "u@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });

  it("answers a first device, a known one with when it was last seen, and a new one", async () => {
    const { id } = await user();
    expect(await recordDeviceSeen(database.db, id, "laptop", NOW_MS)).toEqual({
      lastSeenAt: null,
      firstDevice: true,
    });
    expect(await recordDeviceSeen(database.db, id, "laptop", NOW_MS + 1_000)).toEqual({
      lastSeenAt: NOW,
      firstDevice: false,
    });
    expect(await recordDeviceSeen(database.db, id, "laptop", NOW_MS + 2_000)).toEqual({
      lastSeenAt: later(1_000),
      firstDevice: false,
    });
    expect(await recordDeviceSeen(database.db, id, "phone", NOW_MS + 3_000)).toEqual({
      lastSeenAt: null,
      firstDevice: false,
    });
    // Another user's devices are not this one's.
    const other = await insertUser(database.db, {
      name: "v",
      email: "v@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    expect(await recordDeviceSeen(database.db, other.id, "laptop", NOW_MS + 4_000)).toEqual({
      lastSeenAt: null,
      firstDevice: true,
    });
    expect(await recordDeviceSeen(database.db, "not-a-uuid", "laptop", NOW_MS)).toEqual({
      lastSeenAt: null,
      firstDevice: true,
    });
  });

  it("forgets devices not seen since a time", async () => {
    const { id } = await user();
    await recordDeviceSeen(database.db, id, "old", NOW_MS);
    await recordDeviceSeen(database.db, id, "recent", NOW_MS + 10_000);
    expect(await deleteStaleDevices(database.db, NOW_MS + 5_000)).toBe(1);
    expect(await recordDeviceSeen(database.db, id, "old", NOW_MS + 20_000)).toEqual({
      lastSeenAt: null,
      firstDevice: false,
    });
  });

  it("tells a user's first device, a new one and a known one apart", async () => {
    const { id } = await insertUser(database.db, {
      name: "u",
      email: "u@example.org",
      passwordHash: "h",
      nowMs: NOW_MS,
    });
    expect(await recordDeviceSeen(database.db, id, "fp:a", NOW_MS, ["cookie-a"])).toEqual({
      lastSeenAt: null,
      firstDevice: true,
    });
    // The id recorded alongside is known from then on.
    expect(await recordDeviceSeen(database.db, id, "cookie-a", NOW_MS + 1_000)).toEqual({
      lastSeenAt: NOW,
      firstDevice: false,
    });
    expect(await recordDeviceSeen(database.db, id, "fp:a", NOW_MS + 2_000)).toEqual({
      lastSeenAt: NOW,
      firstDevice: false,
    });
    expect(await recordDeviceSeen(database.db, id, "fp:b", NOW_MS + 3_000)).toEqual({
      lastSeenAt: null,
      firstDevice: false,
    });
    expect(await recordDeviceSeen(database.db, id, "fp:b", NOW_MS + 4_000)).toEqual({
      lastSeenAt: later(3_000),
      firstDevice: false,
    });
  });
});
