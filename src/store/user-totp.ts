/**
 * The TOTP columns of the `users` table: the pending secret of an enrolment, the confirmed
 * secret, and the last time step used, which makes each code single-use (one conditional
 * UPDATE, so two racing requests with the same code cannot both pass).
 */
import type { Kysely } from "kysely";
import { toEpochMs } from "./columns.js";
import { canonicalId } from "./ids.js";
import type { Database } from "./schema.js";

type Db = Kysely<Database>;

/** Options of `confirmTotpSecret`. */
export interface ConfirmTotpSecretOptions {
  /** Confirm only if the pending secret is still this one (the one the code was checked with). */
  pendingSecret?: string;
  /** The update time (the service's clock). */
  nowMs: number;
}

/** Stores a TOTP secret awaiting confirmation (replacing any earlier pending one). */
export async function setTotpPendingSecret(db: Db, userId: string, secret: string): Promise<void> {
  const id = canonicalId(userId);
  if (id === undefined) return;
  await db.updateTable("users").set({ totp_pending_secret: secret }).where("id", "=", id).execute();
}

/**
 * Makes the pending TOTP secret the user's second factor and marks `step` used, in one
 * statement. False when there is no pending secret (or not `options.pendingSecret`).
 */
export async function confirmTotpSecret(
  db: Db,
  userId: string,
  step: number,
  options: ConfirmTotpSecretOptions,
): Promise<boolean> {
  const id = canonicalId(userId);
  if (id === undefined) return false;
  assertStep(step);
  let update = db
    .updateTable("users")
    .set((eb) => ({
      totp_secret: eb.ref("totp_pending_secret"),
      totp_pending_secret: null,
      totp_last_step: step,
      updated_at: toEpochMs(options.nowMs),
    }))
    .where("id", "=", id)
    .where("totp_pending_secret", "is not", null);
  if (options.pendingSecret !== undefined) {
    update = update.where("totp_pending_secret", "=", options.pendingSecret);
  }
  const result = await update.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Removes the user's TOTP secret, pending secret and replay marker. */
export async function disableTotp(db: Db, userId: string, nowMs: number): Promise<void> {
  const id = canonicalId(userId);
  if (id === undefined) return;
  await db
    .updateTable("users")
    .set({
      totp_secret: null,
      totp_pending_secret: null,
      totp_last_step: null,
      updated_at: toEpochMs(nowMs),
    })
    .where("id", "=", id)
    .execute();
}

/**
 * Atomically marks a TOTP time step used: true only if it is later than the last one used
 * (one conditional UPDATE, so two racing requests with the same code cannot both pass).
 */
export async function markTotpStepUsed(db: Db, userId: string, step: number): Promise<boolean> {
  const id = canonicalId(userId);
  if (id === undefined) return false;
  assertStep(step);
  const result = await db
    .updateTable("users")
    .set({ totp_last_step: step })
    .where("id", "=", id)
    .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

function assertStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new TypeError("A TOTP time step is a non-negative integer");
  }
}
