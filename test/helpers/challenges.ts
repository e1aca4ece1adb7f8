import {
  createRedisChallengeStore,
  type ChallengeStore,
} from "../../src/store/challenges/index.js";
import { openTestRedis } from "./redis.js";

/** A Redis challenge store under a unique key prefix, removed by `close`. */
export async function createChallengeStoreForTest(): Promise<{
  store: ChallengeStore;
  close(): Promise<void>;
}> {
  const redis = openTestRedis("challenge");
  return {
    store: createRedisChallengeStore(redis.client, { keyPrefix: redis.keyPrefix }),
    close: () => redis.cleanup(),
  };
}
