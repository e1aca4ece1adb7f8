/**
 * The `known_devices` table (src/store/known-devices.ts): what a sign-in learns about its
 * device (last seen, the user's first device at all), and the extra ids recorded alongside;
 * on both dialects.
 */
import { expect, it } from "vitest";
import { createUser, recordDeviceSeen } from "../../src/store/index.js";
import { describeStore } from "../helpers/store.js";

const NOW = new Date(Date.UTC(2026, 10, 28, 12, 0, 0, 0));
const later = (ms: number) => new Date(NOW.getTime() + ms);

describeStore("known devices", (database) => {
  it("tells a user's first device, a new one and a known one apart", async () => {
    const { id } = await createUser(database.db, {
      name: "u",
      email: "u@example.org",
      passwordHash: "h",
      now: NOW,
    });
    expect(await recordDeviceSeen(database.db, id, "fp:a", NOW, ["cookie-a"])).toEqual({
      lastSeenAt: null,
      firstDevice: true,
    });
    // The id recorded alongside is known from then on.
    expect(await recordDeviceSeen(database.db, id, "cookie-a", later(1_000))).toEqual({
      lastSeenAt: NOW,
      firstDevice: false,
    });
    expect(await recordDeviceSeen(database.db, id, "fp:a", later(2_000))).toEqual({
      lastSeenAt: NOW,
      firstDevice: false,
    });
    expect(await recordDeviceSeen(database.db, id, "fp:b", later(3_000))).toEqual({
      lastSeenAt: null,
      firstDevice: false,
    });
    expect(await recordDeviceSeen(database.db, id, "fp:b", later(4_000))).toEqual({
      lastSeenAt: later(3_000),
      firstDevice: false,
    });
  });
});
