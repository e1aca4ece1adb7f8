/**
 * oidc-provider's storage port (src/store/oidc-artefacts.ts) on every dialect, once with every
 * model in the database and once with the short-lived models in Redis: upsert, find and expiry
 * by the injected clock, consume once under a race of 100 over two connections, the uid and
 * user-code lookups, revoking a grant across models (and across both homes), unicode payloads;
 * then the table's own functions (sweep, the sessions of a Tessera session, destroy).
 */
import { randomUUID } from "node:crypto";
import type { AdapterConstructor } from "oidc-provider";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { frozenClock, type FrozenClock } from "../../src/core/clock.js";
import {
  DEFAULT_REDIS_OIDC_KEY_PREFIX,
  HASHED_OIDC_MODELS,
  OIDC_REDIS_MODELS,
  tokenDigestId,
  createDatabase,
  createOidcAdapter,
  destroyOidcArtefact,
  findOidcSessionsOfTesseraSession,
  sweepOidcArtefacts,
  type OidcAdapterClass,
  type OidcPayload,
  type TesseraDatabase,
} from "../../src/store/index.js";
import type { RedisCommands } from "../../src/store/redis/types.js";
import { openTestRedis, redisSkipReason, type TestRedis } from "../helpers/redis.js";
import { describeStore } from "../helpers/store.js";

const NOW_MS = Date.UTC(2026, 11, 7, 12, 0, 0, 0);
const NOW_S = NOW_MS / 1000;
const RACERS = 100;

const redisSkip = await redisSkipReason("the OIDC artefacts");

function token(kind: string, jti: string, extra: OidcPayload = {}): OidcPayload {
  return {
    jti,
    kind,
    iat: NOW_S,
    exp: NOW_S + 60,
    accountId: "account-1",
    clientId: "client-1",
    ...extra,
  };
}

describeStore("oidc artefacts", (store) => {
  let second: TesseraDatabase;
  beforeAll(async () => {
    second = await createDatabase(store.database.url);
  });
  afterAll(async () => {
    await second?.destroy();
  });

  const rows = (model: string) =>
    store.db.selectFrom("oidc_artefacts").selectAll().where("model", "=", model).execute();

  for (const home of ["database", "redis"] as const) {
    describe.skipIf(home === "redis" && redisSkip !== null)(`short-lived models in ${home}`, () => {
      let redis: TestRedis | undefined;
      let clock: FrozenClock;
      let keyPrefix: string;
      let Adapter: OidcAdapterClass;
      /** The same store through a second database connection and a second Redis connection. */
      let adapterOnSecond: () => Promise<OidcAdapterClass>;

      beforeAll(() => {
        if (home === "redis") redis = openTestRedis("oidc");
      });
      afterAll(async () => {
        await redis?.cleanup();
      });
      beforeEach(() => {
        clock = frozenClock(NOW_MS);
        keyPrefix = redis?.subPrefix() ?? "";
        const options = (client?: RedisCommands) =>
          client === undefined ? {} : { redis: client, keyPrefix };
        Adapter = createOidcAdapter(store.db, clock, options(redis?.client));
        adapterOnSecond = async () =>
          createOidcAdapter(second.db, clock, options(redis ? await redis.connect() : undefined));
      });

      const inRedis = (model: string) => home === "redis" && OIDC_REDIS_MODELS.has(model);

      it("is what oidc-provider's adapter option takes", () => {
        const option: AdapterConstructor = Adapter;
        expect(typeof option).toBe("function");
        expect(new Adapter("Session")).toBeDefined();
      });

      it("stores and finds an artefact of every model, where its model lives", async () => {
        const models = [
          "Session",
          "Grant",
          "AccessToken",
          "RefreshToken",
          "Client",
          "RegistrationAccessToken",
          "InitialAccessToken",
          ...OIDC_REDIS_MODELS,
        ];
        for (const model of models) {
          const payload = token(model, `${model}-id`, { grantId: "grant-1" });
          await new Adapter(model).upsert(`${model}-id`, payload, 60);
          expect(await new Adapter(model).find(`${model}-id`)).toEqual(payload);
          // Another model's adapter does not see it.
          expect(await new Adapter("Other").find(`${model}-id`)).toBeUndefined();
          expect(await rows(model)).toHaveLength(inRedis(model) ? 0 : 1);
        }
      });

      it("keeps bearer tokens only as their digest: no token in the row, found by the token", async () => {
        for (const model of HASHED_OIDC_MODELS) {
          const value = `${model}-secret-value-${randomUUID()}`;
          const payload = token(model, value, { grantId: "grant-h" });
          await new Adapter(model).upsert(value, payload, 60);
          expect(await new Adapter(model).find(value)).toEqual(payload);
          expect(await new Adapter(model).find(`${value}x`)).toBeUndefined();
          if (inRedis(model)) continue;
          const [row] = await rows(model);
          expect(row!.id).toBe(tokenDigestId(value));
          expect(JSON.stringify(row)).not.toContain(value);
          await new Adapter(model).consume(value);
          expect((await new Adapter(model).find(value))?.consumed).toBeTypeOf("number");
          await new Adapter(model).destroy(value);
          expect(await rows(model)).toHaveLength(0);
        }
      });

      it("copies the lookup fields of the payload into the row", async () => {
        const session = {
          jti: "sid-1",
          kind: "Session",
          uid: "uid-1",
          accountId: "account-1",
          tesseraSessionId: "tessera-1",
          exp: NOW_S + 600,
        };
        await new Adapter("Session").upsert("sid-1", session, 600);
        await new Adapter("AccessToken").upsert(
          "at-1",
          token("AccessToken", "at-1", { grantId: "grant-1", tesseraSessionId: "ignored" }),
          60,
        );
        await new Adapter("Client").upsert("client-9", { client_id: "client-9" }, undefined);
        const [row] = await rows("Session");
        expect(row).toMatchObject({
          id: "sid-1",
          uid: "uid-1",
          account_id: "account-1",
          tessera_session_id: "tessera-1",
          grant_id: null,
          consumed_at: null,
        });
        expect(Number(row!.expires_at)).toBe(NOW_MS + 600_000);
        expect(JSON.parse(row!.payload)).toEqual(session);
        expect(await rows("AccessToken")).toMatchObject([
          {
            grant_id: "grant-1",
            account_id: "account-1",
            client_id: "client-1",
            tessera_session_id: null,
          },
        ]);
        expect(await rows("Client")).toMatchObject([{ client_id: "client-9", expires_at: null }]);
      });

      for (const model of ["AuthorizationCode", "RefreshToken"]) {
        it(`finds a ${model} until its expiry instant, and one without expiry always`, async () => {
          const adapter = new Adapter(model);
          await adapter.upsert("expiring", token(model, "expiring"), 60);
          await adapter.upsert("forever", token(model, "forever"), undefined);
          clock.advance(60_000 - 1);
          expect(await adapter.find("expiring")).toBeDefined();
          expect(await adapter.consumeOnce("expiring")).toBe(true);
          clock.advance(1);
          expect(await adapter.find("expiring")).toBeUndefined();
          expect(await adapter.consumeOnce("expiring")).toBe(false);
          clock.advance(365 * 86_400_000);
          expect(await adapter.find("forever")).toEqual(token(model, "forever"));
        });

        it(`replaces a ${model} on a second upsert, with its new expiry`, async () => {
          const adapter = new Adapter(model);
          await adapter.upsert("x", token(model, "x", { scope: "openid" }), 10);
          await adapter.upsert("x", token(model, "x", { scope: "openid email" }), 120);
          clock.advance(60_000);
          expect(await adapter.find("x")).toEqual(token(model, "x", { scope: "openid email" }));
        });

        it(`consumes a ${model} once; find then says when, and an upsert keeps it consumed`, async () => {
          const adapter = new Adapter(model);
          await adapter.upsert("code", token(model, "code"), 60);
          clock.advance(1_500);
          await adapter.consume("code");
          const consumed = { ...token(model, "code"), consumed: NOW_S + 1 };
          expect(await adapter.find("code")).toEqual(consumed);
          expect(await adapter.consumeOnce("code")).toBe(false);
          clock.advance(5_000);
          expect(await adapter.find("code")).toEqual(consumed);
          // A copy read before the consume, saved again, does not undo it.
          await adapter.upsert("code", token(model, "code", { scope: "again" }), 60);
          expect(await adapter.find("code")).toEqual({
            ...token(model, "code", { scope: "again" }),
            consumed: NOW_S + 1,
          });
          // A payload that arrives consumed is stored consumed.
          await adapter.upsert("other", { ...token(model, "other"), consumed: NOW_S - 5 }, 60);
          expect(await adapter.find("other")).toMatchObject({ consumed: NOW_S - 5 });
          expect(await adapter.consumeOnce("other")).toBe(false);
        });

        it(`lets exactly one of ${RACERS} racing consumes of a ${model} win, over two connections`, async () => {
          const adapters = [new Adapter(model), new (await adapterOnSecond())(model)];
          await adapters[0]!.upsert("raced", token(model, "raced"), 60);
          const results = await Promise.all(
            Array.from({ length: RACERS }, (_, i) => adapters[i % 2]!.consumeOnce("raced")),
          );
          expect(results.filter((won) => won)).toHaveLength(1);
          expect(await adapters[1]!.find("raced")).toMatchObject({ consumed: NOW_S });
          if (inRedis(model)) {
            const id = HASHED_OIDC_MODELS.has(model) ? tokenDigestId("raced") : "raced";
            const stored = await redis!.client.hget(`${keyPrefix}r:${model}:${id}`, "consumedAtMs");
            expect(stored).toBe(String(NOW_MS));
          } else {
            expect((await rows(model)).map((row) => Number(row.consumed_at))).toEqual([NOW_MS]);
          }
        });
      }

      it("consumes nothing that is not there, and creates nothing doing so", async () => {
        const adapter = new Adapter("AuthorizationCode");
        expect(await adapter.consumeOnce("never-issued")).toBe(false);
        await adapter.consume("never-issued");
        expect(await adapter.find("never-issued")).toBeUndefined();
        expect(await rows("AuthorizationCode")).toEqual([]);
        if (redis !== undefined) expect(await redis.client.keys(`${keyPrefix}*`)).toEqual([]);
      });

      it("finds a session by its uid, not once expired or destroyed", async () => {
        const sessions = new Adapter("Session");
        const session = { jti: "s1", kind: "Session", uid: "the-uid", accountId: "a" };
        await sessions.upsert("s1", session, 120);
        expect(await sessions.findByUid("the-uid")).toEqual(session);
        expect(await sessions.findByUid("other-uid")).toBeUndefined();
        expect(await new Adapter("Interaction").findByUid("the-uid")).toBeUndefined();
        // The provider's resetIdentifier: the old jti destroyed, the same uid saved under a new one.
        await sessions.destroy("s1");
        expect(await sessions.findByUid("the-uid")).toBeUndefined();
        await sessions.upsert("s2", { ...session, jti: "s2" }, 120);
        expect(await sessions.findByUid("the-uid")).toEqual({ ...session, jti: "s2" });
        clock.advance(120_000);
        expect(await sessions.findByUid("the-uid")).toBeUndefined();
      });

      it("finds by uid in whichever home the model has", async () => {
        const interactions = new Adapter("Interaction");
        await interactions.upsert("i1", { jti: "i1", kind: "Interaction", uid: "u1" }, 60);
        expect(await interactions.findByUid("u1")).toMatchObject({ jti: "i1" });
        await interactions.upsert("i1", { jti: "i1", kind: "Interaction", uid: "u2" }, 60);
        expect(await interactions.findByUid("u1")).toBeUndefined();
        expect(await interactions.findByUid("u2")).toMatchObject({ jti: "i1" });
      });

      it("finds a device code by its user code until it expires, consumed or not", async () => {
        const codes = new Adapter("DeviceCode");
        const code = token("DeviceCode", "dc1", { userCode: "BCDF-GHJK", grantId: "g" });
        await codes.upsert("dc1", code, 600);
        expect(await codes.findByUserCode("BCDF-GHJK")).toEqual(code);
        expect(await codes.findByUserCode("bcdf-ghjk")).toBeUndefined();
        await codes.consume("dc1");
        expect(await codes.findByUserCode("BCDF-GHJK")).toEqual({ ...code, consumed: NOW_S });
        // A new user code replaces the old one's lookup.
        await codes.upsert("dc1", { ...code, userCode: "LMNP-QRST" }, 600);
        expect(await codes.findByUserCode("BCDF-GHJK")).toBeUndefined();
        expect(await codes.findByUserCode("LMNP-QRST")).toMatchObject({ jti: "dc1" });
        clock.advance(600_000);
        expect(await codes.findByUserCode("LMNP-QRST")).toBeUndefined();
        await codes.upsert("dc2", token("DeviceCode", "dc2", { userCode: "VWXZ-BCDF" }), 600);
        await codes.destroy("dc2");
        expect(await codes.findByUserCode("VWXZ-BCDF")).toBeUndefined();
      });

      it("revokes a grant's artefacts of every model, in both homes, and nothing else", async () => {
        const grantModels = [
          "AccessToken",
          "RefreshToken",
          "AuthorizationCode",
          "DeviceCode",
          "BackchannelAuthenticationRequest",
        ];
        for (const model of grantModels) {
          for (const grantId of ["revoked", "kept"]) {
            await new Adapter(model).upsert(
              `${model}-${grantId}`,
              token(model, `${model}-${grantId}`, { grantId, userCode: `${model}-${grantId}` }),
              600,
            );
          }
        }
        await new Adapter("Grant").upsert("revoked", { jti: "revoked", kind: "Grant" }, 600);
        await new Adapter("AccessToken").revokeByGrantId("revoked");
        for (const model of grantModels) {
          const adapter = new Adapter(model);
          expect(await adapter.find(`${model}-revoked`)).toBeUndefined();
          expect(await adapter.findByUserCode(`${model}-revoked`)).toBeUndefined();
          expect(await adapter.find(`${model}-kept`)).toMatchObject({ grantId: "kept" });
          expect(await adapter.findByUserCode(`${model}-kept`)).toMatchObject({ grantId: "kept" });
        }
        // The grant itself is the provider's to destroy (revokeGrantPolicy).
        expect(await new Adapter("Grant").find("revoked")).toBeDefined();
        await new Adapter("RefreshToken").revokeByGrantId("kept");
        for (const model of grantModels) {
          expect(await new Adapter(model).find(`${model}-kept`)).toBeUndefined();
        }
        if (redis !== undefined) expect(await redis.client.keys(`${keyPrefix}*`)).toEqual([]);
      });

      it("destroys one artefact", async () => {
        for (const model of ["AuthorizationCode", "AccessToken"]) {
          const adapter = new Adapter(model);
          await adapter.upsert("a", token(model, "a", { grantId: "g" }), 60);
          await adapter.upsert("b", token(model, "b", { grantId: "g" }), 60);
          await adapter.destroy("a");
          await adapter.destroy("never-there");
          expect(await adapter.find("a")).toBeUndefined();
          expect(await adapter.find("b")).toBeDefined();
        }
      });

      it("answers undefined for an unknown, empty or control-character id", async () => {
        for (const model of ["AuthorizationCode", "Session", "DeviceCode"]) {
          const adapter = new Adapter(model);
          for (const id of ["unknown", "", "nul\u0000id", "tab\tid", "x".repeat(5_000)]) {
            expect(await adapter.find(id)).toBeUndefined();
            expect(await adapter.findByUid(id)).toBeUndefined();
            expect(await adapter.findByUserCode(id)).toBeUndefined();
            expect(await adapter.consumeOnce(id)).toBe(false);
            await adapter.destroy(id);
            await adapter.revokeByGrantId(id);
          }
        }
      });

      it("round-trips a payload with unicode, NUL and a lone surrogate", async () => {
        const payload: OidcPayload = {
          jti: "u1",
          kind: "Interaction",
          accountId: "Zoë 🦊 ゾーイ",
          params: {
            login_hint: "ünïcödé ✓ שלום مرحبا",
            ui_locales: "e\u0301 \u{1F469}\u200D\u{1F4BB}",
            odd: "nul\u0000 lone\ud800 end\udc00",
          },
          amr: ["pwd", "🔑"],
          nested: [{ deep: ["\u2028\u2029"] }],
        };
        for (const model of ["Interaction", "Session", "AccessToken"]) {
          await new Adapter(model).upsert("u1", { ...payload, kind: model }, 60);
          expect(await new Adapter(model).find("u1")).toEqual({ ...payload, kind: model });
        }
        expect((await rows("Session"))[0]?.account_id).toBe("Zoë 🦊 ゾーイ");
      });

      if (home === "redis") {
        it("keeps a Redis artefact and its lookups with its TTL, under the prefix", async () => {
          const client = redis!.client;
          await new Adapter("DeviceCode").upsert(
            "dc",
            token("DeviceCode", "dc", { userCode: "UC", uid: "U", grantId: "G" }),
            30,
          );
          await new Adapter("AuthorizationCode").upsert(
            "ac",
            token("AuthorizationCode", "ac", { grantId: "G" }),
            90,
          );
          const keys = (await client.keys(`${keyPrefix}*`)).map((k) => k.slice(keyPrefix.length));
          expect(keys.sort()).toEqual(
            [
              "c:DeviceCode:UC",
              "g:G",
              `r:AuthorizationCode:${tokenDigestId("ac")}`,
              "r:DeviceCode:dc",
              "u:DeviceCode:U",
            ].sort(),
          );
          for (const key of ["r:DeviceCode:dc", "c:DeviceCode:UC", "u:DeviceCode:U"]) {
            const ttl = await client.pttl(keyPrefix + key);
            expect(ttl).toBeGreaterThan(25_000);
            expect(ttl).toBeLessThanOrEqual(30_000);
          }
          // The grant's set lives as long as its longest artefact.
          expect(await client.pttl(`${keyPrefix}g:G`)).toBeGreaterThan(85_000);
          expect((await client.smembers(`${keyPrefix}g:G`)).sort()).toEqual([
            `AuthorizationCode:${tokenDigestId("ac")}`,
            "DeviceCode:dc",
          ]);
          await new Adapter("DeviceCode").destroy("dc");
          expect(await client.smembers(`${keyPrefix}g:G`)).toEqual([
            `AuthorizationCode:${tokenDigestId("ac")}`,
          ]);
          expect(await client.exists(`${keyPrefix}c:DeviceCode:UC`)).toBe(0);
        });

        it("uses a Tessera-specific default key prefix", () => {
          expect(DEFAULT_REDIS_OIDC_KEY_PREFIX).toBe("tessera:oidc:");
        });
      }
    });
  }

  describe("the table", () => {
    let Adapter: OidcAdapterClass;
    beforeEach(() => {
      Adapter = createOidcAdapter(store.db, () => NOW_MS);
    });

    it("sweeps the rows expired at the time given, in batches", async () => {
      for (let i = 0; i < 5; i += 1) {
        await new Adapter("AccessToken").upsert(`gone-${i}`, token("AccessToken", `gone-${i}`), i);
      }
      await new Adapter("Session").upsert("at-the-instant", { kind: "Session" }, 10);
      await new Adapter("Session").upsert("later", { kind: "Session" }, 11);
      await new Adapter("Client").upsert("forever", { client_id: "forever" }, undefined);
      expect(await sweepOidcArtefacts(store.db, NOW_MS + 10_000, 2)).toBe(6);
      const left = await store.db.selectFrom("oidc_artefacts").select("id").orderBy("id").execute();
      expect(left.map((row) => row.id)).toEqual(["forever", "later"]);
      expect(await sweepOidcArtefacts(store.db, NOW_MS + 10_000)).toBe(0);
    });

    it("lists the provider sessions of a Tessera session, and keeps the link on a save without it", async () => {
      const sessions = new Adapter("Session");
      await sessions.upsert("b", { jti: "b", uid: "ub", tesseraSessionId: "t1" }, 60);
      await sessions.upsert("a", { jti: "a", uid: "ua", tesseraSessionId: "t1" }, 60);
      await sessions.upsert("c", { jti: "c", uid: "uc", tesseraSessionId: "t2" }, 60);
      await new Adapter("Interaction").upsert("i", { jti: "i", tesseraSessionId: "t1" }, 60);
      // A save that does not carry the link keeps it.
      await sessions.upsert("b", { jti: "b", uid: "ub", authorizations: { x: {} } }, 60);
      expect(await findOidcSessionsOfTesseraSession(store.db, "t1")).toEqual([
        { id: "a", payload: { jti: "a", uid: "ua", tesseraSessionId: "t1" } },
        { id: "b", payload: { jti: "b", uid: "ub", authorizations: { x: {} } } },
      ]);
      expect(await findOidcSessionsOfTesseraSession(store.db, "t3")).toEqual([]);
      expect(await findOidcSessionsOfTesseraSession(store.db, "t\u00001")).toEqual([]);
    });

    it("destroys one artefact by model and id", async () => {
      await new Adapter("Session").upsert("s", { jti: "s" }, 60);
      await new Adapter("Grant").upsert("s", { jti: "s" }, 60);
      expect(await destroyOidcArtefact(store.db, "Session", "s")).toBe(true);
      expect(await destroyOidcArtefact(store.db, "Session", "s")).toBe(false);
      expect(await new Adapter("Session").find("s")).toBeUndefined();
      expect(await new Adapter("Grant").find("s")).toEqual({ jti: "s" });
    });

    it("reads a corrupt payload as missing", async () => {
      await new Adapter("Session").upsert("s", { jti: "s" }, 60);
      await store.db.updateTable("oidc_artefacts").set({ payload: "{not json" }).execute();
      expect(await new Adapter("Session").find("s")).toBeUndefined();
    });
  });
});
