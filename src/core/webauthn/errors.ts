/**
 * The two failures of a ceremony (internal; not exported from index.ts): a response that is not
 * well formed, and a well-formed response that fails a check. Kept apart from the parse and the
 * checks so that both can import them without importing each other.
 */
import { ClientError } from "../errors.js";

/** The client sent something that is not a well-formed WebAuthn response. */
export function invalidResponse(detail: string, cause?: unknown): ClientError {
  return new ClientError(`Malformed WebAuthn response: ${detail}`, {
    code: "webauthn_invalid_response",
    cause,
  });
}

/**
 * A well-formed response failed a check. One generic message (STYLE principle 5); the reason
 * goes to `cause`, for logs only.
 */
export function verificationFailed(reason: string, cause?: unknown): ClientError {
  return new ClientError("WebAuthn verification failed", {
    code: "webauthn_verification_failed",
    cause: cause === undefined ? new Error(reason) : new Error(reason, { cause }),
  });
}
