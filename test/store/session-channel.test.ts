/**
 * The session channels notice a stalled connection (open, nothing flows) by their heartbeat:
 * the listener's connection goes through a TCP proxy the test controls, the proxy stalls, the
 * channel must say it is down (reason: heartbeat), and come back up once the proxy passes again,
 * carrying messages. Short heartbeat timings come from the options; the waits below are the
 * point where the test gives up, never measurements.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  createPostgresSessionChannel,
  createRedisSessionChannel,
  type SessionChannel,
  type SessionChannelHandlers,
} from "../../src/store/session-channel.js";
import { openTestDatabase, TEST_DIALECTS } from "../helpers/database.js";
import { redisSkipReason, TEST_REDIS_URL } from "../helpers/redis.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";
import { waitFor } from "../helpers/wait.js";

const HEARTBEAT = { heartbeatMs: 100, heartbeatTimeoutMs: 300 };
/** Give up waiting after 15 s (a failure, not a measurement); check every 20 ms. */
const WAIT = { giveUpMs: 15_000, pollMs: 20 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Handlers that record what the channel says. */
function recorder() {
  const events: Array<{ kind: "up" } | { kind: "down"; reason: string }> = [];
  const messages: Array<string | null> = [];
  const handlers: SessionChannelHandlers = {
    onMessage: (payload) => messages.push(payload),
    onUp: () => events.push({ kind: "up" }),
    onDown: (reason) => events.push({ kind: "down", reason }),
  };
  const ups = () => events.filter((e) => e.kind === "up").length;
  const downs = () => events.flatMap((e) => (e.kind === "down" ? [e.reason] : []));
  return { handlers, events, messages, ups, downs };
}

/** Up, stays up over several heartbeats, down on a stall (heartbeat), up again after it. */
async function stallAndRecover(
  proxy: TcpProxy,
  record: ReturnType<typeof recorder>,
  channel: SessionChannel,
  reasonPattern: RegExp,
): Promise<void> {
  await waitFor(() => record.ups() === 1, WAIT);
  // Several heartbeats answered: no false alarm while the connection flows.
  await new Promise((resolve) => setTimeout(resolve, HEARTBEAT.heartbeatMs * 5));
  expect(record.downs()).toEqual([]);

  await proxy.setMode("stall");
  await waitFor(() => record.downs().length > 0, WAIT);
  expect(record.downs()[0]).toMatch(reasonPattern);
  expect(record.downs()[0]).toMatch(/heartbeat missed/);

  await proxy.setMode("pass");
  await waitFor(() => record.events.at(-1)?.kind === "up" && record.ups() >= 2, WAIT);
  // It carries messages again.
  const payload = `after-stall-${randomBytes(4).toString("hex")}`;
  await waitFor(() => {
    channel.publish(payload).catch(() => undefined);
    return record.messages.includes(payload);
  }, WAIT);
}

const postgresSkip = !TEST_DIALECTS.includes("postgres");
if (postgresSkip) console.warn("Skipping the PostgreSQL LISTEN heartbeat test: no PostgreSQL");
const redisSkip = await redisSkipReason("the Redis session channel heartbeat");

describe.skipIf(postgresSkip)("PostgreSQL LISTEN channel heartbeat", () => {
  it("notices a stalled listener connection (down: heartbeat missed) and comes back after it", async () => {
    const database = await openTestDatabase("postgres");
    cleanups.push(() => database.cleanup());
    const target = new URL(database.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    cleanups.push(() => proxy.close());
    const viaProxy = new URL(database.url);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const record = recorder();
    // NOTIFY goes through the pool (not proxied): only the LISTEN connection stalls.
    const channel = createPostgresSessionChannel(
      viaProxy.toString(),
      database.db,
      record.handlers,
      {
        ...HEARTBEAT,
        channel: `tessera_test_${randomBytes(4).toString("hex")}`,
      },
    );
    cleanups.push(() => channel.close());
    await stallAndRecover(proxy, record, channel, /^PostgreSQL listener/);
  });
});

describe.skipIf(redisSkip !== null)("Redis pub/sub channel heartbeat", () => {
  it("notices a stalled subscriber connection (down: heartbeat missed) and comes back after it", async () => {
    const target = new URL(TEST_REDIS_URL);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    cleanups.push(() => proxy.close());
    const record = recorder();
    const channel = createRedisSessionChannel(`redis://127.0.0.1:${proxy.port}`, record.handlers, {
      ...HEARTBEAT,
      channel: `tessera-test:${randomBytes(4).toString("hex")}`,
    });
    cleanups.push(() => channel.close());
    await stallAndRecover(proxy, record, channel, /^Redis subscriber/);
  });
});
