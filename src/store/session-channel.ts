/**
 * How instances tell each other that sessions changed (issue 10): Redis pub/sub, PostgreSQL
 * LISTEN/NOTIFY, or on SQLite a poll of `PRAGMA data_version` (which changes when another
 * connection, such as the CLI in another process, commits). Each channel reports whether it is
 * up: while it is down nobody may trust a cache built on it.
 *
 * A connection that stalls (open, but nothing flows: a partition, a stuck proxy) sends no close
 * and TCP keepalive takes minutes to notice, so the Redis and PostgreSQL listeners prove they are
 * alive with a heartbeat: a round trip on the listener connection itself every
 * DEFAULT_CHANNEL_HEARTBEAT_MS, answered within DEFAULT_CHANNEL_HEARTBEAT_TIMEOUT_MS, or the
 * channel is down and the connection destroyed (then reconnected as after any loss). A stall is
 * thus noticed within the sum of the two (7 s), instead of the cache's 60 s trust bound.
 */
import { sql, type Kysely } from "kysely";
import pg from "pg";
import type { Redis } from "ioredis";
import { closeRedisClient, createRedisClient } from "./redis/client.js";
import type { Database } from "./schema.js";

/** Channel name on Redis and PostgreSQL. */
export const SESSION_CHANNEL = "tessera_sessions";
/** How often SQLite's change counter is read (bounds how late a foreign write is seen). */
export const DEFAULT_SQLITE_CHANGE_CHECK_MS = 200;
/** Wait between reconnection attempts of the PostgreSQL listener. */
export const DEFAULT_LISTEN_RECONNECT_MS = 250;
/** A listener connection that takes longer is given up and tried again. */
const LISTEN_CONNECT_TIMEOUT_MS = 5_000;
/** `close` waits this long for the listener to say goodbye, then drops the socket. */
const LISTEN_CLOSE_TIMEOUT_MS = 1_000;
/** How often the listener connection proves it is alive (Redis PING, PostgreSQL `select 1`). */
export const DEFAULT_CHANNEL_HEARTBEAT_MS = 5_000;
/** A heartbeat unanswered after this long: the connection is stalled, the channel down. */
export const DEFAULT_CHANNEL_HEARTBEAT_TIMEOUT_MS = 2_000;

/** Heartbeat timing (defaults above; tests shorten them). */
export interface ChannelHeartbeatOptions {
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
}

/** What a channel tells its owner. */
export interface SessionChannelHandlers {
  /** A message from another instance (Redis, PostgreSQL) or "something changed" (SQLite: null). */
  onMessage(payload: string | null): void;
  onUp(): void;
  onDown(reason: string): void;
}

/** A running channel. */
export interface SessionChannel {
  /** Sends to every instance (this one included; harmless). */
  publish(payload: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs `probe` every `heartbeatMs` (after the previous one answered); the first that fails or
 * takes over `heartbeatTimeoutMs` calls `onMissed` once and ends the heartbeat. Returns `stop`.
 */
function startHeartbeat(
  probe: () => Promise<unknown>,
  onMissed: (reason: string) => void,
  options: ChannelHeartbeatOptions,
): () => void {
  const intervalMs = options.heartbeatMs ?? DEFAULT_CHANNEL_HEARTBEAT_MS;
  const timeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_CHANNEL_HEARTBEAT_TIMEOUT_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const beat = () => {
    const late = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      deadline.unref();
    });
    Promise.race([probe(), late]).then(
      () => {
        clearTimeout(deadline);
        if (!stopped) schedule();
      },
      (error: unknown) => {
        clearTimeout(deadline);
        if (stopped) return;
        stopped = true;
        onMissed(`heartbeat missed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  };
  const schedule = () => {
    timer = setTimeout(beat, intervalMs);
    timer.unref();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(deadline);
  };
}

/**
 * Redis pub/sub: a subscriber connection (up once SUBSCRIBE answered, down on any close or missed
 * heartbeat: PING, which Redis allows in subscriber mode) and a publisher connection.
 */
export function createRedisSessionChannel(
  url: string,
  handlers: SessionChannelHandlers,
  options: ChannelHeartbeatOptions & { channel?: string } = {},
): SessionChannel {
  const channel = options.channel ?? SESSION_CHANNEL;
  const subscriber: Redis = createRedisClient(url, { lazyConnect: false });
  const publisher: Redis = createRedisClient(url);
  let closing = false;
  let stopHeartbeat: () => void = () => undefined;
  subscriber.on("message", (name: string, message: string) => {
    if (name === channel) handlers.onMessage(message);
  });
  subscriber.on("ready", () => {
    // ioredis re-subscribes on its own; subscribing again is harmless and tells us when it is done.
    subscriber.subscribe(channel).then(
      () => {
        if (closing) return;
        handlers.onUp();
        stopHeartbeat();
        stopHeartbeat = startHeartbeat(
          () => subscriber.ping(),
          (reason) => {
            if (closing) return;
            handlers.onDown(`Redis subscriber ${reason}`);
            // A stalled socket never closes on its own: destroy it, ioredis reconnects.
            subscriber.stream.destroy();
          },
          options,
        );
      },
      (error: unknown) => handlers.onDown(`Redis subscribe failed: ${String(error)}`),
    );
  });
  subscriber.on("close", () => {
    stopHeartbeat();
    if (!closing) handlers.onDown("Redis subscriber disconnected");
  });
  return {
    publish: async (payload) => {
      await publisher.publish(channel, payload);
    },
    close: async () => {
      closing = true;
      stopHeartbeat();
      await closeRedisClient(subscriber);
      await closeRedisClient(publisher);
    },
  };
}

/**
 * PostgreSQL LISTEN on its own connection (reconnected after a loss or a missed heartbeat),
 * NOTIFY through the pool (`pg_notify` in a transaction is delivered at commit).
 *
 * The heartbeat is `select 1` on the LISTEN connection: notifications arrive on that same socket,
 * interleaved with query results, so an answered query proves the stream flows. (A NOTIFY the
 * listener must receive back would also reach every other instance: N² messages the receivers
 * would have to filter, for no more proof.)
 */
export function createPostgresSessionChannel(
  connectionString: string,
  db: Kysely<Database>,
  handlers: SessionChannelHandlers,
  options: ChannelHeartbeatOptions & { channel?: string; reconnectMs?: number } = {},
): SessionChannel {
  const channel = options.channel ?? SESSION_CHANNEL;
  const reconnectMs = options.reconnectMs ?? DEFAULT_LISTEN_RECONNECT_MS;
  let closing = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopHeartbeat: () => void = () => undefined;

  const connect = async () => {
    if (closing) return;
    // keepAlive: a connection lost without a reset is noticed (the heartbeat notices a stall).
    const next = new pg.Client({
      connectionString,
      connectionTimeoutMillis: LISTEN_CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    let lost = false;
    const onLost = (reason: string) => {
      if (lost) return;
      lost = true;
      stopHeartbeat();
      if (client === next) client = null;
      next.removeAllListeners("notification");
      // end() destroys the socket when a query hangs (a stalled heartbeat), else says goodbye.
      void next.end().catch(() => undefined);
      if (closing) return;
      handlers.onDown(reason);
      timer = setTimeout(() => void connect(), reconnectMs);
    };
    next.on("error", (error) => onLost(`PostgreSQL listener error: ${error.message}`));
    next.on("end", () => onLost("PostgreSQL listener disconnected"));
    next.on("notification", (message) => {
      if (message.channel === channel) handlers.onMessage(message.payload ?? null);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      onLost(`PostgreSQL listener could not connect: ${(error as Error).message}`);
      return;
    }
    if (closing) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    handlers.onUp();
    stopHeartbeat = startHeartbeat(
      () => next.query("select 1"),
      (reason) => onLost(`PostgreSQL listener ${reason}`),
      options,
    );
  };
  void connect();

  return {
    publish: async (payload) => {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    close: async () => {
      closing = true;
      clearTimeout(timer);
      stopHeartbeat();
      const current = client;
      client = null;
      if (current === null) return;
      // A goodbye that a stalled connection never acknowledges must not hold up shutdown.
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([
        current.end().catch(() => undefined),
        new Promise<void>((resolve) => {
          wait = setTimeout(resolve, LISTEN_CLOSE_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(wait);
      current.connection.stream.destroy();
    },
  };
}

/**
 * SQLite: reads `PRAGMA data_version` every `intervalMs`; a change means another connection
 * committed (this process's own writes do not change it: they update the cache directly).
 */
export function createSqliteChangeWatcher(
  db: Kysely<Database>,
  handlers: SessionChannelHandlers,
  intervalMs: number = DEFAULT_SQLITE_CHANGE_CHECK_MS,
): SessionChannel {
  let last: number | null = null;
  let running = false;
  let closed = false;
  const check = async () => {
    if (running || closed) return;
    running = true;
    try {
      const result = await sql<{ data_version: number }>`pragma data_version`.execute(db);
      const version = Number(result.rows[0]?.data_version);
      if (last === null) handlers.onUp();
      else if (version !== last) handlers.onMessage(null);
      last = version;
    } catch (error) {
      if (last !== null) handlers.onDown(`SQLite change check failed: ${(error as Error).message}`);
      last = null;
    } finally {
      running = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return {
    publish: () => Promise.resolve(),
    close: () => {
      closed = true;
      clearInterval(timer);
      return Promise.resolve();
    },
  };
}
