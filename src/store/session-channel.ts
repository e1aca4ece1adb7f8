/**
 * How instances tell each other that sessions changed (issue 10): Redis pub/sub, PostgreSQL
 * LISTEN/NOTIFY, or on SQLite a poll of `PRAGMA data_version` (which changes when another
 * connection, such as the CLI in another process, commits). Each channel reports whether it is
 * up: while it is down nobody may trust a cache built on it.
 */
import { sql, type Kysely } from "kysely";
import pg from "pg";
import type { Redis } from "ioredis";
import { closeRedisClient, createRedisClient } from "./redis.js";
import type { Database } from "./schema.js";

/** Channel name on Redis and PostgreSQL. */
export const SESSION_CHANNEL = "tessera_sessions";
/** How often SQLite's change counter is read (bounds how late a foreign write is seen). */
export const DEFAULT_SQLITE_CHANGE_CHECK_MS = 200;
/** Wait between reconnection attempts of the PostgreSQL listener. */
export const DEFAULT_LISTEN_RECONNECT_MS = 250;
/** A listener connection that takes longer is given up and tried again. */
const LISTEN_CONNECT_TIMEOUT_MS = 5_000;

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
 * Redis pub/sub: a subscriber connection (up once SUBSCRIBE answered, down on any close) and a
 * publisher connection.
 */
export function createRedisSessionChannel(
  url: string,
  handlers: SessionChannelHandlers,
  channel: string = SESSION_CHANNEL,
): SessionChannel {
  const subscriber: Redis = createRedisClient(url, { lazyConnect: false });
  const publisher: Redis = createRedisClient(url);
  let closing = false;
  subscriber.on("message", (name: string, message: string) => {
    if (name === channel) handlers.onMessage(message);
  });
  subscriber.on("ready", () => {
    // ioredis re-subscribes on its own; subscribing again is harmless and tells us when it is done.
    subscriber.subscribe(channel).then(
      () => {
        if (!closing) handlers.onUp();
      },
      (error: unknown) => handlers.onDown(`Redis subscribe failed: ${String(error)}`),
    );
  });
  subscriber.on("close", () => {
    if (!closing) handlers.onDown("Redis subscriber disconnected");
  });
  return {
    publish: async (payload) => {
      await publisher.publish(channel, payload);
    },
    close: async () => {
      closing = true;
      await closeRedisClient(subscriber);
      await closeRedisClient(publisher);
    },
  };
}

/**
 * PostgreSQL LISTEN on its own connection (reconnected after a loss), NOTIFY through the pool
 * (`pg_notify` in a transaction is delivered at commit).
 */
export function createPostgresSessionChannel(
  connectionString: string,
  db: Kysely<Database>,
  handlers: SessionChannelHandlers,
  options: { channel?: string; reconnectMs?: number } = {},
): SessionChannel {
  const channel = options.channel ?? SESSION_CHANNEL;
  const reconnectMs = options.reconnectMs ?? DEFAULT_LISTEN_RECONNECT_MS;
  let closing = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closing) return;
    // keepAlive: a connection lost without a reset is noticed (the cache TTL bounds the rest).
    const next = new pg.Client({
      connectionString,
      connectionTimeoutMillis: LISTEN_CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    let lost = false;
    const onLost = (reason: string) => {
      if (lost) return;
      lost = true;
      if (client === next) client = null;
      next.removeAllListeners("notification");
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
  };
  void connect();

  return {
    publish: async (payload) => {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    close: async () => {
      closing = true;
      clearTimeout(timer);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
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
