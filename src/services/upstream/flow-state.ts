/**
 * What a browser carries between the steps of an upstream sign-in, in httpOnly cookies sealed
 * with AES-256-GCM under the key-encryption key (core/key-encryption.ts; the label as
 * associated data, so a flow cookie never opens as a pending one): the flow (`state`, `nonce`
 * and PKCE verifier, from the redirect upstream to the callback), then, when the sign-in needs
 * a second factor or the confirmation of a link, the pending sign-in. Each is used once: its
 * random id is a challenge in the challenge store, consumed atomically.
 */
import { openPrivateKey, sealPrivateKey } from "../../core/key-encryption.js";
import type { UpstreamIdentity } from "./types.js";

const FLOW_LABEL = "tessera upstream flow v1";
const PENDING_LABEL = "tessera upstream pending v1";
/** Longest cookie value opened (a browser keeps 4096 bytes per cookie). */
const MAX_SEALED_LENGTH = 4000;

/** Challenge-store purposes. */
export const FLOW_PURPOSE = "upstream_flow";
export const PENDING_PURPOSE = "upstream_pending";

/** The flow between the redirect upstream and the callback. */
export interface FlowState {
  readonly providerId: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly expiresAtMs: number;
  /** Set when a signed-in person links the provider from the account page. */
  readonly linkUserId: string | null;
  /** Set when the person accepts an invitation through the provider (its token). */
  readonly invitationToken?: string | null;
}

/** A sign-in that waits for the second factor, or for the person to confirm a link. */
export interface PendingState {
  readonly kind: "second_factor" | "link";
  /** Single use: a challenge in the store. */
  readonly id: string;
  readonly providerId: string;
  readonly identity: UpstreamIdentity;
  /** The account signing in (`second_factor`). */
  readonly userId: string | null;
  readonly expiresAtMs: number;
}

function seal(key: Buffer, value: unknown, label: string): string {
  return sealPrivateKey(key, Buffer.from(JSON.stringify(value), "utf8"), label);
}

function open(keys: readonly Buffer[], sealed: string | undefined, label: string): unknown {
  if (typeof sealed !== "string" || sealed === "" || sealed.length > MAX_SEALED_LENGTH) return null;
  for (const key of keys) {
    try {
      return JSON.parse(openPrivateKey(key, sealed, label).toString("utf8")) as unknown;
    } catch {
      // another key, or not ours
    }
  }
  return null;
}

/** Seals a flow for its cookie. */
export function sealFlow(key: Buffer, flow: FlowState): string {
  return seal(key, flow, FLOW_LABEL);
}

/** The flow a cookie holds, or null (absent, forged, another label, expired). */
export function openFlow(
  keys: readonly Buffer[],
  sealed: string | undefined,
  nowMs: number,
): FlowState | null {
  const value = open(keys, sealed, FLOW_LABEL) as FlowState | null;
  if (value === null || typeof value !== "object" || typeof value.state !== "string") return null;
  return value.expiresAtMs > nowMs ? value : null;
}

/** Seals a pending sign-in for its cookie. */
export function sealPending(key: Buffer, pending: PendingState): string {
  return seal(key, pending, PENDING_LABEL);
}

/** The pending sign-in a cookie holds, or null. */
export function openPending(
  keys: readonly Buffer[],
  sealed: string | undefined,
  nowMs: number,
): PendingState | null {
  const value = open(keys, sealed, PENDING_LABEL) as PendingState | null;
  if (value === null || typeof value !== "object" || typeof value.id !== "string") return null;
  return value.expiresAtMs > nowMs ? value : null;
}
