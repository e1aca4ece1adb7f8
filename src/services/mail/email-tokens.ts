/**
 * Single-use tokens sent by mail (issue 12): password reset, address verification,
 * invitations and "this wasn't me". A token is 256 random bits (base64url, 43 characters),
 * shown once, in the mail's link; only its SHA-256 is stored, so a copy of the database holds
 * no usable link. A fast hash is enough: the token has full entropy, there is nothing to guess.
 *
 *   const { token } = await issueEmailToken(ctx, { userId, purpose: "password_reset", validityMs });
 *   const record = await useEmailToken(ctx, token, "password_reset"); // null: unknown, used, expired
 */
import { createHash, randomBytes } from "node:crypto";
import {
  consumeEmailToken,
  findLiveEmailToken,
  insertEmailToken,
  voidEmailTokenRecords,
  type EmailTokenPurpose,
  type EmailTokenRecord,
} from "../../store/index.js";
import type { ServiceContext } from "../context.js";

export type { EmailTokenPurpose, EmailTokenRecord } from "../../store/index.js";

/** 256 random bits (NIST SP 800-63B §5.1.1.2 asks at least 64 for look-up secrets; 128 here is the floor). */
export const EMAIL_TOKEN_BYTES = 32;
/** The shape of a token: anything else is refused without a database query. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/**
 * Purposes where only the newest link works: issuing one voids the user's earlier ones (a
 * reset asked twice, a verification or an invitation sent again). Each "This wasn't me" link
 * names its own event and session, so those all stay live.
 */
const NEWEST_ONLY: ReadonlySet<EmailTokenPurpose> = new Set([
  "password_reset",
  "email_verification",
  "invitation",
]);

/** A token just issued: the only time the raw token exists. */
export interface IssuedEmailToken {
  /** Put this in the link; it is not stored. */
  token: string;
  /** The row's id. */
  id: string;
  expiresAt: Date;
}

/** SHA-256 (hex) of a token: what the database stores and looks up. */
export function hashEmailToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Makes a token for `purpose`, valid `validityMs` from now, about `userId` (null: no account
 * yet) with `data` (JSON: the address being verified, the session a notice concerns, …),
 * voiding the user's earlier ones where only the newest works (`NEWEST_ONLY`). Stored through
 * `ctx.db`, so inside the caller's transaction when there is one.
 */
export async function issueEmailToken(
  ctx: ServiceContext,
  input: {
    userId: string | null;
    purpose: EmailTokenPurpose;
    validityMs: number;
    data?: Record<string, unknown>;
  },
): Promise<IssuedEmailToken> {
  if (input.userId !== null && NEWEST_ONLY.has(input.purpose)) {
    await voidEmailTokens(ctx, input.userId, input.purpose);
  }
  const token = randomBytes(EMAIL_TOKEN_BYTES).toString("base64url");
  const nowMs = ctx.clock();
  const expiresAtMs = nowMs + input.validityMs;
  const id = await insertEmailToken(ctx.db, {
    userId: input.userId,
    purpose: input.purpose,
    tokenHash: hashEmailToken(token),
    data: input.data ?? {},
    expiresAtMs,
    nowMs,
  });
  return { token, id, expiresAt: new Date(expiresAtMs) };
}

/**
 * The live (unused, unexpired) token of `purpose`, without using it: for a page that shows
 * what a link will do before the person confirms. Null for anything else.
 */
export async function findEmailToken(
  ctx: ServiceContext,
  token: unknown,
  purpose: EmailTokenPurpose,
): Promise<EmailTokenRecord | null> {
  if (typeof token !== "string" || !TOKEN_SHAPE.test(token)) return null;
  const record = await findLiveEmailToken(ctx.db, hashEmailToken(token), purpose, ctx.clock());
  return record ?? null;
}

/**
 * Uses the token up, atomically (of two concurrent calls, one wins). The record, or null when
 * the token is malformed, unknown, of another purpose, already used, void or expired. Pass a
 * transaction as `ctx.db` to make the use part of the change it allows.
 */
export async function useEmailToken(
  ctx: ServiceContext,
  token: unknown,
  purpose: EmailTokenPurpose,
): Promise<EmailTokenRecord | null> {
  if (typeof token !== "string" || !TOKEN_SHAPE.test(token)) return null;
  const record = await consumeEmailToken(ctx.db, hashEmailToken(token), purpose, ctx.clock());
  return record ?? null;
}

/** Voids every unused token of `purpose` of the user (a password change voids reset links). */
export async function voidEmailTokens(
  ctx: ServiceContext,
  userId: string,
  purpose: EmailTokenPurpose,
): Promise<number> {
  return voidEmailTokenRecords(ctx.db, userId, purpose, ctx.clock());
}
