/**
 * Tessera's own Redis types: the commands its Redis stores send, a client as
 * `createRedisClient` (`client.ts`) makes it, and that client's options.
 *
 * They are not ioredis's: the public declarations (`fastify.d.ts`) name them, and a host
 * type-checking with `skipLibCheck: false` would otherwise have to type-check ioredis and its
 * untyped `redis-errors` (issue 18 item 2). An ioredis `Redis` fits. This module imports nothing,
 * so the declarations that name these types reach no driver.
 */

/** The commands Tessera's Redis stores send, as ioredis declares them. */
export interface RedisCommands {
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  del(...keys: string[]): Promise<number>;
  set(
    key: string,
    value: string,
    millisecondsToken: "PX",
    milliseconds: number,
    nx: "NX",
  ): Promise<"OK" | null>;
  getdel(key: string): Promise<string | null>;
}

/** A client as `createRedisClient` makes it: the stores' commands and closing. */
export interface RedisConnection extends RedisCommands {
  /** ioredis's connection state ("wait", "connecting", "ready", "end", …). */
  readonly status: string;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** Options of `createRedisClient` (`client.ts`). */
export interface RedisClientOptions {
  /** Default `DEFAULT_REDIS_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
  /** Default `DEFAULT_REDIS_COMMAND_TIMEOUT_MS`. */
  commandTimeoutMs?: number;
  /** Connect at the first command instead of at once. Default true (creating does no I/O). */
  lazyConnect?: boolean;
  /**
   * Connection errors (each failed command also rejects on its own, which the throttle turns
   * into a 503). Default: ignored here, so ioredis does not print "Unhandled error event".
   */
  onError?: (error: Error) => void;
}
