/** The Redis helper: a key prefix of its own, and a cleanup that deletes exactly its keys. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestRedis, redisSkipReason, type TestRedis } from "./redis.js";

const skipReason = await redisSkipReason("the Redis helper");

describe.skipIf(skipReason !== null)("openTestRedis", () => {
  let observer: TestRedis;
  beforeAll(() => {
    observer = openTestRedis("redis-helper-observer");
  });
  afterAll(() => observer.cleanup());

  it("gives each caller its own prefix and deletes only its keys at cleanup", async () => {
    const first = openTestRedis("redis-helper");
    const second = openTestRedis("redis-helper");
    expect(first.keyPrefix).toMatch(/^tessera-test:redis-helper:[0-9a-f-]{36}:$/);
    expect(second.keyPrefix).not.toBe(first.keyPrefix);
    expect(first.subPrefix().startsWith(first.keyPrefix)).toBe(true);

    await first.client.set(`${first.keyPrefix}a`, "1");
    const other = await first.connect();
    await other.set(`${first.subPrefix()}b`, "2");
    await second.client.set(`${second.keyPrefix}a`, "1");

    await first.cleanup();
    expect(first.client.status).toBe("end");
    expect(other.status).toBe("end");
    expect(await observer.client.keys(`${first.keyPrefix}*`)).toEqual([]);
    expect(await observer.client.get(`${second.keyPrefix}a`)).toBe("1");

    await second.cleanup();
    expect(await observer.client.keys(`${second.keyPrefix}*`)).toEqual([]);
  });

  it("cleans up without connecting when it was never used", async () => {
    const unused = openTestRedis("redis-helper");
    expect(unused.client.status).toBe("wait");
    await unused.cleanup();
    expect(unused.client.status).toBe("end");
  });
});
