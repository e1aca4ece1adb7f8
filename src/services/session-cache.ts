/**
 * The per-process cache of session state and of the user view the middleware returns, so the
 * hot path reads no database on a hit (issue 10). Correctness rules:
 *
 * - A write in this process updates the cache before its response (`announceSessionChange`).
 * - Other instances' writes arrive as events over a channel (Redis pub/sub, PostgreSQL
 *   LISTEN/NOTIFY, SQLite's `PRAGMA data_version`); the runtime wires it (`src/runtime.ts`).
 * - While that channel is down the cache answers nothing (every request reads the database);
 *   when it is back the cache is cleared first. It starts down: trusted only once listening.
 * - A read that raced with an event is not stored: every event bumps a generation, and a fill
 *   stores only if the generation it started under is still current.
 * - An entry is trusted for DEFAULT_SESSION_CACHE_TTL_MS at most: the bound for an event that
 *   was never sent (a writer that crashed between its write and its publish, or lost only its
 *   publishing connection).
 */
import type { PublicUser } from "./users-view.js";

/** What a user holds (issue 23): role names and the union of their permissions, sorted. */
export interface Grants {
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
}

/** Entries per map (sessions, users); the oldest entry goes first when full. */
export const DEFAULT_SESSION_CACHE_ENTRIES = 100_000;
/** How long an entry is trusted without news: a read a minute per session and user at most. */
export const DEFAULT_SESSION_CACHE_TTL_MS = 60_000;

/** What the middleware needs of a session record. */
export interface CachedSession {
  userId: string;
  expiresAtMs: number;
  idleExpiresAtMs: number;
  lastSeenAtMs: number;
  /** Ended sessions are remembered too: a replayed token is refused without a read. */
  ended: boolean;
}

/**
 * What the middleware needs of a personal access token (issue 23), keyed by the token's digest.
 * Revoked and unknown tokens are not stored: they are refused after a read, as rare as typos.
 */
export interface CachedPersonalToken {
  id: string;
  userId: string;
  scopes: readonly string[];
  expiresAtMs: number;
  lastUsedAtMs: number | null;
  lastUsedAddress: string | null;
}

/** A change other instances must learn of. */
export type SessionEvent =
  | { kind: "session"; sessionId: string }
  | { kind: "user"; userId: string }
  | { kind: "token"; tokenId: string }
  | { kind: "all" };

/**
 * An event as other instances receive it over the channel (Redis, PostgreSQL NOTIFY): JSON,
 * read back by `parseSessionEvent`.
 */
export function encodeSessionEvent(event: SessionEvent): string {
  return JSON.stringify(event);
}

/**
 * A channel message as an event; anything unexpected (or null: news lost) clears the whole
 * cache.
 */
export function parseSessionEvent(payload: string | null): SessionEvent {
  if (payload === null) return { kind: "all" };
  try {
    const event = JSON.parse(payload) as Record<string, unknown>;
    if (event.kind === "session" && typeof event.sessionId === "string") {
      return { kind: "session", sessionId: event.sessionId };
    }
    if (event.kind === "user" && typeof event.userId === "string") {
      return { kind: "user", userId: event.userId };
    }
    if (event.kind === "token" && typeof event.tokenId === "string") {
      return { kind: "token", tokenId: event.tokenId };
    }
  } catch {
    // fall through
  }
  return { kind: "all" };
}

/** Where events go to other instances (none: a single process). */
export interface SessionEventPublisher {
  publish(event: SessionEvent): Promise<void>;
}

/** Log lines the cache writes when its channel goes down and comes back (once per change). */
export interface SessionCacheLogger {
  warn(message: string): void;
  info(message: string): void;
}

/** The cache; `createSessionCache` makes one, `createTessera` owns it. */
export interface SessionCache {
  /** Whether entries may be trusted (the channel is up). */
  readonly enabled: boolean;
  /** The generation a fill starts under. */
  generation(): number;
  getSession(sessionId: string): CachedSession | undefined;
  setSession(sessionId: string, state: CachedSession, generation: number): void;
  getUser(userId: string): PublicUser | undefined;
  setUser(userId: string, user: PublicUser, generation: number): void;
  /** A personal access token by its digest (issue 23). */
  getToken(digest: string): CachedPersonalToken | undefined;
  setToken(digest: string, state: CachedPersonalToken, generation: number): void;
  /** The user's roles and permissions (`services/grants.ts`), dropped with the user's entry. */
  getGrants(userId: string): Grants | undefined;
  setGrants(userId: string, grants: Grants, generation: number): void;
  /**
   * The serialised view of `user` (`GET /me`), built by `build` once per cache entry: kept
   * beside the entry while `user` IS the trusted cached entry of its id (the same object, so
   * the same version of the user), dropped with it by every event that drops the entry.
   * Otherwise (cache off or down, another version) built for this call only.
   */
  userBody(user: PublicUser, build: () => string): string;
  /** Applies an event (local write or from the channel). */
  apply(event: SessionEvent): void;
  /** The channel is down: bypass until `channelUp`. Logged once. */
  channelDown(reason: string): void;
  /** The channel is (back) up: clear, then trust again. */
  channelUp(): void;
  /** Sends an event to the other instances (after `apply`). */
  publisher: SessionEventPublisher | null;
  /** Entries held (sessions + users + tokens + grants), for tests and metrics. */
  size(): number;
}

interface Entry<V> {
  value: V;
  storedAt: number;
  /** The serialised view of `value` (users only), once asked for. */
  body?: string;
}

/** Makes an empty cache, disabled until its channel says it is up. */
export function createSessionCache(
  options: {
    maxEntries?: number;
    ttlMs?: number;
    logger?: SessionCacheLogger;
    /** Monotonic milliseconds for the entries' age. Default `performance.now`. */
    now?: () => number;
  } = {},
): SessionCache {
  const maxEntries = options.maxEntries ?? DEFAULT_SESSION_CACHE_ENTRIES;
  const ttlMs = options.ttlMs ?? DEFAULT_SESSION_CACHE_TTL_MS;
  const now = options.now ?? (() => performance.now());
  const sessions = new Map<string, Entry<CachedSession>>();
  const users = new Map<string, Entry<PublicUser>>();
  const tokens = new Map<string, Entry<CachedPersonalToken>>();
  const grants = new Map<string, Entry<Grants>>();
  let generation = 0;
  let enabled = false;
  let everUp = false;
  let downLogged = false;

  const bounded = <V>(map: Map<string, Entry<V>>, key: string, value: V) => {
    map.delete(key);
    if (map.size >= maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    map.set(key, { value, storedAt: now() });
  };
  const fresh = <V>(map: Map<string, Entry<V>>, key: string): V | undefined => {
    if (!enabled) return undefined;
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (now() - entry.storedAt < ttlMs) return entry.value;
    map.delete(key);
    return undefined;
  };
  const clear = () => {
    generation += 1;
    sessions.clear();
    users.clear();
    tokens.clear();
    grants.clear();
  };

  const cache: SessionCache = {
    get enabled() {
      return enabled;
    },
    generation: () => generation,
    getSession: (id) => fresh(sessions, id),
    setSession: (id, state, gen) => {
      if (enabled && gen === generation) bounded(sessions, id, state);
    },
    getUser: (id) => fresh(users, id),
    userBody: (user, build) => {
      const entry = enabled ? users.get(user.id) : undefined;
      if (entry === undefined || entry.value !== user || now() - entry.storedAt >= ttlMs) {
        return build();
      }
      entry.body ??= build();
      return entry.body;
    },
    setUser: (id, user, gen) => {
      if (enabled && gen === generation) bounded(users, id, user);
    },
    getToken: (digest) => fresh(tokens, digest),
    setToken: (digest, state, gen) => {
      if (enabled && gen === generation) bounded(tokens, digest, state);
    },
    getGrants: (id) => fresh(grants, id),
    setGrants: (id, held, gen) => {
      if (enabled && gen === generation) bounded(grants, id, held);
    },
    apply: (event) => {
      generation += 1;
      if (event.kind === "session") sessions.delete(event.sessionId);
      else if (event.kind === "token") {
        // Revocations are rare; the map is walked rather than indexed twice.
        for (const [digest, entry] of tokens) {
          if (entry.value.id === event.tokenId) tokens.delete(digest);
        }
      } else if (event.kind === "user") {
        users.delete(event.userId);
        grants.delete(event.userId);
        for (const [id, entry] of sessions) {
          if (entry.value.userId === event.userId) sessions.delete(id);
        }
        for (const [digest, entry] of tokens) {
          if (entry.value.userId === event.userId) tokens.delete(digest);
        }
      } else clear();
    },
    channelDown: (reason) => {
      clear();
      enabled = false;
      if (downLogged) return;
      downLogged = true;
      options.logger?.warn(
        `session cache bypassed (${reason}): every request reads the database until the channel is back`,
      );
    },
    channelUp: () => {
      clear();
      if (enabled) return;
      enabled = true;
      downLogged = false;
      if (everUp) options.logger?.info("session cache channel is back: cache cleared and in use");
      everUp = true;
    },
    publisher: null,
    size: () => sessions.size + users.size + tokens.size + grants.size,
  };
  return cache;
}
