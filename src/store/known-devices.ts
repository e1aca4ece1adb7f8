/** The `known_devices` table: the devices each user signed in from, and when last. */
import type { Kysely } from "kysely";
import { fromEpochMs, toEpochMs } from "./columns.js";
import { canonicalId } from "./ids.js";
import { prepareQuery, preparedByArity } from "./prepared.js";
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
  const [previous] = await lastSeen.execute(db, [id, deviceId]);
  // A known device answers both questions; only an unknown one asks whether there are others.
  const firstDevice = previous === undefined && (await anyDevice.execute(db, [id])).length === 0;
  const devices = [deviceId, ...alsoIds];
  await markSeen(devices.length + 2).execute(db, [id, now, ...devices]);
  return {
    lastSeenAt: previous === undefined ? null : fromEpochMs(previous.last_seen_at),
    firstDevice,
  };
}

// The statements of every sign-in, compiled once (`prepared.ts`).
const lastSeen = prepareQuery((db: Db, userId: string, deviceId: string) =>
  db
    .selectFrom("known_devices")
    .select("last_seen_at")
    .where("user_id", "=", userId)
    .where("device_id", "=", deviceId),
);
const anyDevice = prepareQuery((db: Db, userId: string) =>
  db.selectFrom("known_devices").select("device_id").where("user_id", "=", userId).limit(1),
);
/** Arguments (arity: 2 + devices): the user id, the time, then the devices (one row each). */
const markSeen = preparedByArity((db: Db, ...args: unknown[]) => {
  const [userId, now, ...devices] = args as [string, number, ...string[]];
  return db
    .insertInto("known_devices")
    .values(
      devices.map((device_id) => ({
        user_id: userId,
        device_id,
        first_seen_at: now,
        last_seen_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(["user_id", "device_id"]).doUpdateSet({ last_seen_at: now }));
});

/** Forgets devices not seen since `beforeMs`; how many. */
export async function deleteStaleDevices(db: Db, beforeMs: number): Promise<number> {
  const result = await db
    .deleteFrom("known_devices")
    .where("last_seen_at", "<", toEpochMs(beforeMs))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
