/**
 * The check of a personal access token on a request (issue 23 item 1), in the order that keeps
 * it cheap:
 *
 * 1. the shape and the CRC32 checksum (`core/personal-token.ts`): a mistyped token is refused
 *    here, with no database read and no cache lookup;
 * 2. the token's state by its SHA-256, from the per-process session cache when it is trusted,
 *    else one read (and a fill); revoked and unknown tokens are refused;
 * 3. its expiry, then the per-token request limit (this instance's memory);
 * 4. its user as the middleware sees them (the same cached view as a session's), and the
 *    effective scopes: `token.scopes ∩ scopesOfUser(user)`, computed now;
 * 5. the last use, written at most once a minute; a use from another address than the last
 *    is audited.
 *
 * Revocation reaches the cache like a session's end: a `token` event (or a `user` event for a
 * lock, a reset, a deletion or a demotion) over the same channel.
 */
import { MINUTE_MS, SECOND_MS } from "../../core/clock.js";
import { NotAuthorizedError, TooManyRequestsError } from "../../core/errors.js";
import { isWellFormedPersonalToken, personalTokenDigest } from "../../core/personal-token.js";
import {
  findPersonalAccessTokenByHash,
  PERSONAL_TOKEN_TOUCH_INTERVAL_MS,
  touchPersonalAccessToken,
} from "../../store/index.js";
import { effectiveScopes } from "../access-scopes.js";
import { permissionsOfUser } from "../grants.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import type { CachedPersonalToken } from "../session-cache.js";
import { loadUserView } from "../sessions/sessions.js";
import type { PublicUser } from "../users-view.js";

/** The same refusal for every bad token: a client cannot tell a typo from a revoked one. */
const INVALID_TOKEN = "Invalid or expired token";
/** Tokens whose request counts one instance keeps at once; the oldest window goes first. */
const MAX_COUNTED_TOKENS = 100_000;

/** A token that passed every check. */
export interface AuthenticatedPersonalToken {
  user: PublicUser;
  tokenId: string;
  /** What the token opens now: its scopes that its user still holds. */
  scopes: readonly string[];
  expiresAtSeconds: number;
}

/** Checks a token on a request. @throws NotAuthorizedError, TooManyRequestsError (429). */
export type PersonalTokenAuthenticator = (
  token: string,
  meta: Pick<RequestMeta, "ip" | "userAgent">,
) => Promise<AuthenticatedPersonalToken>;

/** The token's state: from the cache when trusted, else one read (and a fill). */
async function loadTokenState(
  ctx: ServiceContext,
  digest: string,
): Promise<CachedPersonalToken | undefined> {
  const cache = ctx.sessionCache;
  const hit = cache?.getToken(digest);
  if (hit !== undefined) return hit;
  const generation = cache?.generation() ?? 0;
  const row = await findPersonalAccessTokenByHash(ctx.db, digest);
  if (row === undefined || row.revokedAt !== null) return undefined;
  const state: CachedPersonalToken = {
    id: row.id,
    userId: row.userId,
    scopes: Object.freeze([...row.scopes]),
    expiresAtMs: row.expiresAt.getTime(),
    lastUsedAtMs: row.lastUsedAt === null ? null : row.lastUsedAt.getTime(),
    lastUsedAddress: row.lastUsedAddress,
  };
  cache?.setToken(digest, state, generation);
  return state;
}

/**
 * A fixed one-minute window per token, in this instance's memory: `requestsPerMinute` pass,
 * the rest answer 429 until the window ends. Behind N instances a token makes N times as many.
 */
function createRequestLimit(requestsPerMinute: number) {
  const windows = new Map<string, { startMs: number; count: number }>();
  return (tokenId: string, nowMs: number): void => {
    let window = windows.get(tokenId);
    if (window === undefined || nowMs - window.startMs >= MINUTE_MS) {
      windows.delete(tokenId);
      if (windows.size >= MAX_COUNTED_TOKENS) {
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
      window = { startMs: nowMs, count: 0 };
      windows.set(tokenId, window);
    }
    window.count += 1;
    if (window.count > requestsPerMinute) {
      throw new TooManyRequestsError(
        (window.startMs + MINUTE_MS - nowMs) / SECOND_MS,
        "Too many requests with this access token, try again later",
      );
    }
  };
}

/**
 * Records the use at most once a minute (per instance; the statement's guard makes other
 * instances' concurrent touches no-ops), and audits a use from another address than the last.
 * Best effort: a database that is down must not fail a request the cache could answer.
 */
async function recordUse(
  ctx: ServiceContext,
  state: CachedPersonalToken,
  meta: Pick<RequestMeta, "ip" | "userAgent">,
  nowMs: number,
): Promise<void> {
  if (state.lastUsedAtMs !== null && nowMs - state.lastUsedAtMs < PERSONAL_TOKEN_TOUCH_INTERVAL_MS)
    return;
  const previousAddress = state.lastUsedAddress;
  state.lastUsedAtMs = nowMs;
  state.lastUsedAddress = meta.ip;
  try {
    const wrote = await touchPersonalAccessToken(ctx.db, state.id, {
      nowMs,
      address: meta.ip,
    });
    if (wrote && previousAddress !== meta.ip) {
      await audit(ctx, "personal_token_used_from_new_address", {
        userId: state.userId,
        meta,
        detail: { token: state.id, previous_ip: previousAddress },
      });
    }
  } catch {
    // The next use, a minute on, tries again.
  }
}

/**
 * Makes the check of tokens for one running Tessera (the per-token request counts live in it).
 */
export function createPersonalTokenAuthenticator(ctx: ServiceContext): PersonalTokenAuthenticator {
  const limit = createRequestLimit(ctx.settings.accessTokenRequestsPerMinute);
  return async (token, meta) => {
    if (!isWellFormedPersonalToken(token)) throw new NotAuthorizedError(INVALID_TOKEN);
    const state = await loadTokenState(ctx, personalTokenDigest(token));
    const nowMs = ctx.clock();
    if (state === undefined || state.expiresAtMs <= nowMs) {
      throw new NotAuthorizedError(INVALID_TOKEN);
    }
    limit(state.id, nowMs);
    const user = await loadUserView(ctx, state.userId);
    if (user === undefined) throw new NotAuthorizedError(INVALID_TOKEN);
    await recordUse(ctx, state, meta, nowMs);
    return {
      user,
      tokenId: state.id,
      scopes: effectiveScopes(state.scopes, user, await permissionsOfUser(ctx, user.id)),
      expiresAtSeconds: Math.floor(state.expiresAtMs / SECOND_MS),
    };
  };
}

/** What introspection says of an active personal access token (RFC 7662 §2.2). */
export interface InspectedPersonalToken {
  sub: string;
  tokenId: string;
  /** Its scopes that its user holds now. */
  scopes: readonly string[];
  iat: number;
  exp: number;
}

/**
 * `POST /token/introspect` for a personal access token: active while well formed, known, not
 * revoked, not expired and its user exists. Asking changes nothing (no last use, no limit).
 */
export async function inspectPersonalToken(
  ctx: ServiceContext,
  token: string,
): Promise<InspectedPersonalToken | null> {
  if (!isWellFormedPersonalToken(token)) return null;
  const row = await findPersonalAccessTokenByHash(ctx.db, personalTokenDigest(token));
  if (row === undefined || row.revokedAt !== null || row.expiresAt.getTime() <= ctx.clock()) {
    return null;
  }
  const user = await loadUserView(ctx, row.userId);
  if (user === undefined) return null;
  return {
    sub: user.id,
    tokenId: row.id,
    scopes: effectiveScopes(row.scopes, user, await permissionsOfUser(ctx, user.id)),
    iat: Math.floor(row.createdAt.getTime() / SECOND_MS),
    exp: Math.floor(row.expiresAt.getTime() / SECOND_MS),
  };
}
