import { randomUUID } from "node:crypto";
import { createRedisChallengeStore, type ChallengeStore } from "../../src/store/challenge-store.js";
import { closeRedisClient, createRedisClient } from "../../src/store/redis.js";

/** A Redis challenge store under a unique key prefix, removed by `close`. */
export async function createChallengeStoreForTest(): Promise<{
  store: ChallengeStore;
  close(): Promise<void>;
}> {
  const redis = createRedisClient(process.env.TESSERA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  const keyPrefix = `tessera-test:challenge:${randomUUID()}:`;
  return {
    store: createRedisChallengeStore(redis, { keyPrefix }),
    async close() {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await closeRedisClient(redis);
    },
  };
}
