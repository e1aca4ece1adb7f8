/** The `known_devices` table: the devices each user signed in from, and when last. */
import type { Kysely } from "kysely";
import { fromEpochMs, toEpochMs } from "./columns.js";
import { canonicalId } from "./ids.js";
import type { Database } from "./schema.js";

type Db = Kysely<Database>;

/**
 * Records that the user signed in from `deviceId` at `nowMs` (and from `alsoIds`, whose history
 * is not asked: the cookie this sign-in sets). Returns when `deviceId` was last seen before
 * (null: never) and whether the user had any device recorded at all. On a sign-in from a known
 * device (the usual one) that is one read and one write.
 */
export async function recordDeviceSeen(
  db: Db,
  userId: string,
  deviceId: string,
  nowMs: number,
  alsoIds: readonly string[] = [],
): Promise<{ lastSeenAt: Date | null; firstDevice: boolean }> {
  const id = canonicalId(userId);
  if (id === undefined) return { lastSeenAt: null, firstDevice: true };
  const now = toEpochMs(nowMs);
  const previous = await db
    .selectFrom("known_devices")
    .select("last_seen_at")
    .where("user_id", "=", id)
    .where("device_id", "=", deviceId)
    .executeTakeFirst();
  // A known device answers both questions; only an unknown one asks whether there are others.
  const firstDevice =
    previous === undefined &&
    (await db
      .selectFrom("known_devices")
      .select("device_id")
      .where("user_id", "=", id)
      .limit(1)
      .executeTakeFirst()) === undefined;
  await db
    .insertInto("known_devices")
    .values(
      [deviceId, ...alsoIds].map((device_id) => ({
        user_id: id,
        device_id,
        first_seen_at: now,
        last_seen_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(["user_id", "device_id"]).doUpdateSet({ last_seen_at: now }))
    .execute();
  return {
    lastSeenAt: previous === undefined ? null : fromEpochMs(previous.last_seen_at),
    firstDevice,
  };
}

/** Forgets devices not seen since `beforeMs`; how many. */
export async function deleteStaleDevices(db: Db, beforeMs: number): Promise<number> {
  const result = await db
    .deleteFrom("known_devices")
    .where("last_seen_at", "<", toEpochMs(beforeMs))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
