/** The `known_devices` table: the devices each user signed in from, and when last. */
import type { Kysely } from "kysely";
import { fromEpochMs, toEpochMs } from "./columns.js";
import { canonicalId } from "./ids.js";
import type { Database } from "./schema.js";

type Db = Kysely<Database>;

/**
 * Records that the user signed in from `deviceId` at `now`. Returns when that device was last
 * seen before (null: never) and whether the user had any device recorded at all. A known
 * device (the usual sign-in) costs a read and the upsert; only a new one asks for any other.
 */
export async function recordDeviceSeen(
  db: Db,
  userId: string,
  deviceId: string,
  now: Date,
): Promise<{ lastSeenAt: Date | null; firstDevice: boolean }> {
  const id = canonicalId(userId);
  if (id === undefined) return { lastSeenAt: null, firstDevice: true };
  const nowMs = toEpochMs(now);
  const previous = await db
    .selectFrom("known_devices")
    .select("last_seen_at")
    .where("user_id", "=", id)
    .where("device_id", "=", deviceId)
    .executeTakeFirst();
  // The user has a device when this one is known; else any other row answers.
  const anyDevice =
    previous ??
    (await db
      .selectFrom("known_devices")
      .select("device_id")
      .where("user_id", "=", id)
      .limit(1)
      .executeTakeFirst());
  await db
    .insertInto("known_devices")
    .values({ user_id: id, device_id: deviceId, first_seen_at: nowMs, last_seen_at: nowMs })
    .onConflict((oc) => oc.columns(["user_id", "device_id"]).doUpdateSet({ last_seen_at: nowMs }))
    .execute();
  return {
    lastSeenAt: previous === undefined ? null : fromEpochMs(previous.last_seen_at),
    firstDevice: anyDevice === undefined,
  };
}

/** Forgets devices not seen since `before`; how many. */
export async function deleteStaleDevices(db: Db, before: Date): Promise<number> {
  const result = await db
    .deleteFrom("known_devices")
    .where("last_seen_at", "<", toEpochMs(before))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
