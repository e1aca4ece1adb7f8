/**
 * Reads the Tessera session of a request the provider is about to handle: the session token
 * verified as on every route (signature, expiry, record live, user unlocked), then the
 * record's `auth_time` and `amr`, which the token does not carry.
 */
import { isTesseraError } from "../../core/errors.js";
import { getSession } from "../../store/index.js";
import type { ServiceContext } from "../context.js";
import { authenticateSessionToken, type AuthenticationMethod } from "../sessions/sessions.js";
import type { OidcTesseraSession } from "./request-session.js";

/** The live session a token names, or null (no token, a bad one, an ended session). */
export async function readTesseraSession(
  ctx: ServiceContext,
  token: string | undefined,
): Promise<OidcTesseraSession | null> {
  if (token === undefined || token === "") return null;
  let sessionId: string | null;
  let userId: string;
  let owes: OidcTesseraSession["owes"];
  try {
    const session = await authenticateSessionToken(ctx, token);
    sessionId = session.sessionId;
    userId = session.user.id;
    owes = session.user.mustChangePassword
      ? "password_change"
      : session.user.twoFaEnrolmentRequired === true
        ? "two_fa_enrolment"
        : null;
  } catch (error) {
    if (isTesseraError(error)) return null;
    throw error;
  }
  // A seed token has no session record: it cannot be the provider's session.
  if (sessionId === null) return null;
  const record = await getSession(ctx.db, sessionId);
  if (record === undefined || record.endedAt !== null || record.userId !== userId) return null;
  return {
    userId,
    sessionId,
    authTimeMs: record.authTime.getTime(),
    amr: record.amr as AuthenticationMethod[],
    owes,
  };
}
