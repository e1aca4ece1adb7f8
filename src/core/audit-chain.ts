/**
 * The audit trail's hash chain: each event's hash covers its own fields and the previous
 * event's hash, so changing, removing or reordering a stored event breaks every later link.
 * SHA-256 (FIPS 180-4) over a canonical JSON array; pure, no database.
 */
import { createHash } from "node:crypto";

/** The "previous hash" of the first event of a chain. */
export const AUDIT_CHAIN_GENESIS = "";
/** Tag of the hashed layout; a new layout gets a new tag. */
export const AUDIT_CHAIN_VERSION = "tessera-audit-v1";

/** The stored fields an event's hash covers (as stored: after text clean-up). */
export interface ChainedAuditFields {
  seq: number;
  atMs: number;
  userId: string | null;
  actorId: string | null;
  event: string;
  ip: string | null;
  userAgent: string | null;
  detail: unknown;
}

/**
 * JSON with object keys sorted at every level, so a document reads the same after a database
 * reorders its keys (PostgreSQL's jsonb does). Throws TypeError for values JSON cannot hold.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("canonicalJson: non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
}

/** The hex SHA-256 of an event linked to `previousHash`. */
export function auditEventHash(previousHash: string, fields: ChainedAuditFields): string {
  const layout = [
    AUDIT_CHAIN_VERSION,
    previousHash,
    fields.seq,
    fields.atMs,
    fields.userId,
    fields.actorId,
    fields.event,
    fields.ip,
    fields.userAgent,
    fields.detail,
  ];
  return createHash("sha256").update(canonicalJson(layout), "utf8").digest("hex");
}
