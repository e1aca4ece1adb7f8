/**
 * The `oidc_artefacts` table: the storage port of oidc-provider (issue 21). `createOidcAdapter`
 * makes the class the provider's `adapter` option takes (`new Adapter(name)` per model; the
 * interface is oidc-provider's example/my_adapter.js). Every artefact is a row keyed by model
 * and id, its payload as JSON text and the columns the lookups need copied out of it; with a
 * Redis client the short-lived models (`OIDC_REDIS_MODELS`) live in Redis instead
 * (oidc-artefacts-redis.ts). Times are epoch milliseconds from the injected clock; the provider
 * sees seconds (`consumed`), as its own payloads do.
 *
 * Consuming is one conditional UPDATE (`consumed_at IS NULL`), so of racing consumers one wins;
 * consumption is sticky: an upsert never clears it. Expired rows read as missing and are
 * deleted by `sweepOidcArtefacts`.
 *
 * The bearer tokens among them (`HASHED_OIDC_MODELS`: access and refresh tokens, codes) are
 * opaque random values whose id is the token itself: they are stored under the SHA-256 of the
 * token, without the token in the payload, and given back with it on a lookup by the token. A
 * copy of the table or of a backup holds no usable token. (A device code stays in clear: the
 * provider finds it by its user code and needs the code back.)
 */
import { createHash } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { toEpochMs } from "./columns.js";
import {
  DEFAULT_REDIS_OIDC_KEY_PREFIX,
  createRedisOidcArtefacts,
  type RedisOidcArtefacts,
} from "./oidc-artefacts-redis.js";
import {
  consumedAtMs,
  expiresAtMs,
  isLookupKey,
  payloadText,
  readPayload,
  textField,
  type OidcModelStore,
  type OidcPayload,
} from "./oidc-payloads.js";
import type { RedisCommands } from "./redis/types.js";
import type { DatabaseHandle } from "./transactions.js";

export type { OidcPayload } from "./oidc-payloads.js";

/** oidc-provider's adapter interface, plus `consumeOnce`. */
export interface OidcAdapter {
  /** Inserts or replaces the artefact; `expiresIn` seconds from now (none: no expiry). */
  upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void>;
  /** The payload (with `consumed` in epoch seconds once consumed); undefined: missing or expired. */
  find(id: string): Promise<OidcPayload | undefined>;
  /** The Session of this uid, as `find`. */
  findByUid(uid: string): Promise<OidcPayload | undefined>;
  /** The DeviceCode of this user code, as `find`. */
  findByUserCode(userCode: string): Promise<OidcPayload | undefined>;
  /** Marks the artefact consumed (the provider's call; see `consumeOnce`). */
  consume(id: string): Promise<void>;
  /**
   * Marks the artefact consumed, atomically: true when this call did, false when it is
   * missing, expired or was consumed already (by this or a concurrent call).
   */
  consumeOnce(id: string): Promise<boolean>;
  /** Deletes the artefact. */
  destroy(id: string): Promise<void>;
  /** Deletes every artefact of every model that carries this `grantId`. */
  revokeByGrantId(grantId: string): Promise<void>;
}

/** What the provider's `adapter` option takes: `new Adapter(modelName)`. */
export type OidcAdapterClass = new (name: string) => OidcAdapter;

/** Options of `createOidcAdapter`. */
export interface OidcAdapterOptions {
  /** Keep the short-lived models (`OIDC_REDIS_MODELS`) in this Redis, with TTLs. */
  redis?: RedisCommands;
  /** Prefix of the Redis keys. Default `DEFAULT_REDIS_OIDC_KEY_PREFIX`. */
  keyPrefix?: string;
}

/**
 * The models that live in Redis when a client is given: short lives, never listed, never
 * backed up. Sessions, grants, refresh and access tokens, clients and registration tokens stay
 * in the database (they outlive a Redis restart and end with a Tessera session).
 */
export const OIDC_REDIS_MODELS: ReadonlySet<string> = new Set([
  "Interaction",
  "AuthorizationCode",
  "DeviceCode",
  "ReplayDetection",
  "PushedAuthorizationRequest",
  "BackchannelAuthenticationRequest",
  "ClientCredentials",
]);

/** Rows `sweepOidcArtefacts` deletes per statement. */
export const DEFAULT_OIDC_SWEEP_BATCH = 1000;

function databaseModelStore(db: DatabaseHandle, clock: Clock, model: string): OidcModelStore {
  const live = (nowMs: number) =>
    db
      .selectFrom("oidc_artefacts")
      .select(["payload", "consumed_at"])
      .where("model", "=", model)
      .where((eb) =>
        eb.or([eb("expires_at", "is", null), eb("expires_at", ">", toEpochMs(nowMs))]),
      );
  const read = (row: { payload: string; consumed_at: number | null } | undefined) =>
    row === undefined
      ? undefined
      : readPayload(row.payload, row.consumed_at === null ? null : Number(row.consumed_at));

  return {
    async upsert(id, payload, expiresIn) {
      const nowMs = clock();
      const consumed = consumedAtMs(payload, nowMs);
      const clientId =
        textField(payload, "clientId") ??
        (model === "Client" ? textField(payload, "client_id") : null);
      await db
        .insertInto("oidc_artefacts")
        .values({
          model,
          id,
          payload: payloadText(payload),
          grant_id: textField(payload, "grantId"),
          user_code: textField(payload, "userCode"),
          uid: textField(payload, "uid"),
          account_id: textField(payload, "accountId"),
          client_id: clientId,
          tessera_session_id: model === "Session" ? textField(payload, "tesseraSessionId") : null,
          consumed_at: consumed === null ? null : toEpochMs(consumed),
          expires_at: expiresAtMs(nowMs, expiresIn),
        })
        .onConflict((oc) =>
          oc.columns(["model", "id"]).doUpdateSet((eb) => ({
            payload: eb.ref("excluded.payload"),
            grant_id: eb.ref("excluded.grant_id"),
            user_code: eb.ref("excluded.user_code"),
            uid: eb.ref("excluded.uid"),
            account_id: eb.ref("excluded.account_id"),
            client_id: eb.ref("excluded.client_id"),
            // A save without the link keeps it: a session ends with its Tessera session.
            tessera_session_id: eb.fn.coalesce(
              "excluded.tessera_session_id",
              "oidc_artefacts.tessera_session_id",
            ),
            // Sticky: a save of a copy read before a concurrent consume does not undo it.
            consumed_at: eb.fn.coalesce("oidc_artefacts.consumed_at", "excluded.consumed_at"),
            expires_at: eb.ref("excluded.expires_at"),
          })),
        )
        .execute();
    },

    async find(id) {
      if (!isLookupKey(id)) return undefined;
      return read(await live(clock()).where("id", "=", id).executeTakeFirst());
    },

    async findByUid(uid) {
      if (!isLookupKey(uid)) return undefined;
      const row = await live(clock())
        .where("uid", "=", uid)
        .orderBy("expires_at", "desc")
        .orderBy("id")
        .limit(1)
        .executeTakeFirst();
      return read(row);
    },

    async findByUserCode(userCode) {
      if (!isLookupKey(userCode)) return undefined;
      const row = await live(clock())
        .where("user_code", "=", userCode)
        .orderBy("expires_at", "desc")
        .orderBy("id")
        .limit(1)
        .executeTakeFirst();
      return read(row);
    },

    async consume(id) {
      if (!isLookupKey(id)) return false;
      const now = toEpochMs(clock());
      const result = await db
        .updateTable("oidc_artefacts")
        .set({ consumed_at: now })
        .where("model", "=", model)
        .where("id", "=", id)
        .where("consumed_at", "is", null)
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async destroy(id) {
      if (!isLookupKey(id)) return;
      await destroyOidcArtefact(db, model, id);
    },
  };
}

/** The models whose ids are bearer tokens: stored under their digest. */
export const HASHED_OIDC_MODELS: ReadonlySet<string> = new Set([
  "AccessToken",
  "RefreshToken",
  "AuthorizationCode",
  "ClientCredentials",
  "RegistrationAccessToken",
  "InitialAccessToken",
]);

/** The stored id of a token: `sha256:` and the base64url SHA-256 of the token. */
export function tokenDigestId(token: string): string {
  return `sha256:${createHash("sha256").update(token, "utf8").digest("base64url")}`;
}

/**
 * The adapter class for oidc-provider's `adapter` option: one instance per model, each backed
 * by this table or, with `options.redis`, by Redis for the models of `OIDC_REDIS_MODELS`.
 * `revokeByGrantId` deletes the grant's artefacts of every model in both places.
 */
export function createOidcAdapter(
  db: DatabaseHandle,
  clock: Clock,
  options: OidcAdapterOptions = {},
): OidcAdapterClass {
  const redis: RedisOidcArtefacts | undefined =
    options.redis === undefined
      ? undefined
      : createRedisOidcArtefacts(options.redis, clock, {
          keyPrefix: options.keyPrefix ?? DEFAULT_REDIS_OIDC_KEY_PREFIX,
        });

  return class TesseraOidcAdapter implements OidcAdapter {
    readonly #store: OidcModelStore;
    readonly #hashed: boolean;

    constructor(name: string) {
      this.#store =
        redis !== undefined && OIDC_REDIS_MODELS.has(name)
          ? redis.model(name)
          : databaseModelStore(db, clock, name);
      this.#hashed = HASHED_OIDC_MODELS.has(name);
    }

    /** The stored id of an artefact. */
    #key(id: string): string {
      return this.#hashed && isLookupKey(id) ? tokenDigestId(id) : id;
    }

    async upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void> {
      if (!this.#hashed) return this.#store.upsert(id, payload, expiresIn);
      const { jti: _token, ...rest } = payload;
      await this.#store.upsert(this.#key(id), rest, expiresIn);
    }

    async find(id: string): Promise<OidcPayload | undefined> {
      const found = await this.#store.find(this.#key(id));
      return found === undefined || !this.#hashed ? found : { ...found, jti: id };
    }

    findByUid(uid: string): Promise<OidcPayload | undefined> {
      return this.#store.findByUid(uid);
    }

    findByUserCode(userCode: string): Promise<OidcPayload | undefined> {
      return this.#store.findByUserCode(userCode);
    }

    async consume(id: string): Promise<void> {
      await this.#store.consume(this.#key(id));
    }

    consumeOnce(id: string): Promise<boolean> {
      return this.#store.consume(this.#key(id));
    }

    async destroy(id: string): Promise<void> {
      await this.#store.destroy(this.#key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      if (!isLookupKey(grantId)) return;
      await Promise.all([
        db.deleteFrom("oidc_artefacts").where("grant_id", "=", grantId).execute(),
        redis?.revokeByGrantId(grantId),
      ]);
    }
  };
}

/**
 * Deletes the rows expired at `nowMs` (`expires_at <= nowMs`), `batch` rows per statement until
 * a statement finds fewer, so no statement holds its locks long. How many were deleted.
 */
export async function sweepOidcArtefacts(
  db: DatabaseHandle,
  nowMs: number,
  batch: number = DEFAULT_OIDC_SWEEP_BATCH,
): Promise<number> {
  const now = toEpochMs(nowMs);
  const size = Math.max(1, Math.trunc(batch));
  let total = 0;
  for (;;) {
    const result = await db
      .deleteFrom("oidc_artefacts")
      .where(({ eb, refTuple, selectFrom }) =>
        eb(
          refTuple("model", "id"),
          "in",
          selectFrom("oidc_artefacts")
            .select(["model", "id"])
            .where("expires_at", "<=", now)
            .limit(size)
            .$asTuple("model", "id"),
        ),
      )
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    total += deleted;
    if (deleted < size) return total;
  }
}

/** A provider session of a Tessera session. */
export interface OidcSessionArtefact {
  id: string;
  /** The provider's payload (`{}` when the stored text is corrupt). */
  payload: OidcPayload;
}

/**
 * The provider sessions (model `Session`) linked to a Tessera session, expired ones included
 * (they are the caller's to end), by id.
 */
export async function findOidcSessionsOfTesseraSession(
  db: DatabaseHandle,
  tesseraSessionId: string,
): Promise<OidcSessionArtefact[]> {
  if (!isLookupKey(tesseraSessionId)) return [];
  const rows = await db
    .selectFrom("oidc_artefacts")
    .select(["id", "payload"])
    .where("model", "=", "Session")
    .where("tessera_session_id", "=", tesseraSessionId)
    .orderBy("id")
    .execute();
  return rows.map((row) => ({ id: row.id, payload: readPayload(row.payload, null) ?? {} }));
}

/** Deletes one artefact of the table; whether it was there. */
export async function destroyOidcArtefact(
  db: DatabaseHandle,
  model: string,
  id: string,
): Promise<boolean> {
  if (!isLookupKey(model) || !isLookupKey(id)) return false;
  const result = await db
    .deleteFrom("oidc_artefacts")
    .where("model", "=", model)
    .where("id", "=", id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The provider sessions (model `Session`) of an account, expired ones included, by id. */
export async function findOidcSessionsOfAccount(
  db: DatabaseHandle,
  accountId: string,
): Promise<OidcSessionArtefact[]> {
  if (!isLookupKey(accountId)) return [];
  const rows = await db
    .selectFrom("oidc_artefacts")
    .select(["id", "payload"])
    .where("model", "=", "Session")
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();
  return rows.map((row) => ({ id: row.id, payload: readPayload(row.payload, null) ?? {} }));
}
