/**
 * What the two homes of oidc-provider's artefacts share (oidc-artefacts.ts: the table;
 * oidc-artefacts-redis.ts: Redis): one model's store, how a payload is written and read back,
 * the fields copied out of it, and which lookup keys can match at all.
 */
import { hasControlCharacter, storableText, toEpochMs } from "./columns.js";

/** A payload as oidc-provider hands it over and takes it back (plain JSON). */
export type OidcPayload = Record<string, unknown>;

/** One model's artefacts in one place (this table or Redis). */
export interface OidcModelStore {
  upsert(id: string, payload: OidcPayload, expiresIn: number | undefined): Promise<void>;
  find(id: string): Promise<OidcPayload | undefined>;
  findByUid(uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(userCode: string): Promise<OidcPayload | undefined>;
  consume(id: string): Promise<boolean>;
  destroy(id: string): Promise<void>;
}

/** What a lookup key must be: a non-empty string without control characters (else a miss). */
export function isLookupKey(value: unknown): value is string {
  return typeof value === "string" && value !== "" && !hasControlCharacter(value);
}

/** The stored JSON text of a payload: without `consumed` (kept beside it, see `consumedAtMs`). */
export function payloadText(payload: OidcPayload): string {
  const { consumed: _consumed, ...rest } = payload;
  // JSON.stringify escapes NUL and lone surrogates; storableText keeps that promise explicit.
  return storableText(JSON.stringify(rest));
}

/** A payload read back, with `consumed` in epoch seconds; undefined when it is not an object. */
export function readPayload(text: string, consumedAtMs: number | null): OidcPayload | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined; // Corrupt: as missing, so the provider starts over.
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const payload = parsed as OidcPayload;
  return consumedAtMs === null
    ? payload
    : { ...payload, consumed: Math.floor(consumedAtMs / 1000) };
}

/** When a payload that arrives with `consumed` (seconds, or any truthy value) was consumed. */
export function consumedAtMs(payload: OidcPayload, nowMs: number): number | null {
  const { consumed } = payload;
  if (consumed === undefined || consumed === null || consumed === false || consumed === 0) {
    return null;
  }
  const ms = typeof consumed === "number" ? consumed * 1000 : NaN;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? Math.trunc(ms) : nowMs;
}

/** A string field of the payload as a column value (null when absent or not a string). */
export function textField(payload: OidcPayload, name: string): string | null {
  const value = payload[name];
  return typeof value === "string" && value !== "" ? storableText(value) : null;
}

/** The expiry of an upsert: `expiresIn` seconds after `nowMs`, or null for none. */
export function expiresAtMs(nowMs: number, expiresIn: number | undefined): number | null {
  return typeof expiresIn === "number" && Number.isFinite(expiresIn)
    ? toEpochMs(nowMs + expiresIn * 1000)
    : null;
}
