/**
 * The closed set of errors Tessera raises. Every error has a stable machine-readable `code`
 * (wire contract: clients switch on it) and belongs to one `kind`, the seed framework's
 * exception class it stands for. The HTTP adapter maps each code to a status in one table
 * (`src/http/error-status.ts`); a test checks that every code is mapped and documented.
 *
 * Services throw these. Primitives in `src/core` return booleans or results instead
 * (STYLE principle 6); they throw only on misuse (`TypeError`) or on corrupt stored data.
 */

/** The seed's exception classes: what kind of failure an error is. */
export type ErrorKind =
  | "not_authorized" // NotAuthorizedException, 401
  | "permission_denied" // PermissionDeniedException, 403
  | "client_error" // ClientException / ValidationException, 400
  | "not_found" // NotFoundException, 404
  | "conflict" // 409
  | "too_many_requests" // TooManyRequestsException, 429
  | "internal"; // anything unexpected, 500/503; never carries internals to the client

/**
 * Every code and the kind it belongs to. Codes are part of the public API: never rename one.
 */
export const ERROR_CODES = {
  // 401: missing, malformed, expired, revoked token or vanished user: one generic failure.
  not_authorized: "not_authorized",

  // 403
  permission_denied: "permission_denied",
  two_fa_required: "permission_denied",
  password_change_required: "permission_denied",
  csrf: "permission_denied",
  two_fa_enrolment_required: "permission_denied",
  reauthentication_required: "permission_denied",
  account_locked: "permission_denied", // right password, but an admin locked the account
  email_not_verified: "permission_denied", // right password, address not verified yet
  insufficient_scope: "permission_denied", // a personal access token without the route's scope (RFC 6750 §3.1)
  insufficient_permission: "permission_denied", // a host route's `permissions` the user's roles lack
  upstream_account_not_found: "permission_denied", // a provider's person with no account here: create or invite first

  // 400
  client_error: "client_error",
  validation_error: "client_error",
  invalid_json: "client_error",
  payload_too_large: "client_error",
  unsupported_media_type: "client_error",
  invalid_credentials: "client_error",
  invalid_two_fa_code: "client_error",
  no_second_factor: "client_error", // recovery codes need a second factor (TOTP or a passkey) first
  password_policy: "client_error",
  webauthn_invalid_response: "client_error",
  webauthn_verification_failed: "client_error",
  webauthn_challenge_invalid: "client_error",
  webauthn_counter_error: "client_error", // signCount did not increase: possible cloned authenticator
  invalid_email_token: "client_error", // a mailed link that is unknown, used, void or expired
  invalid_scope: "client_error", // a token asked for a scope its user does not hold
  unknown_role: "client_error", // a role named in a request that does not exist
  method_not_allowed: "client_error", // 405: the path exists, the method does not (`Allow` says which)
  upstream_flow_invalid: "client_error", // a provider's callback with no, an expired or a used sign-in
  upstream_response_invalid: "client_error", // a provider's answer that failed a check (iss, aud, signature, nonce…)

  // 404
  not_found: "not_found",
  interaction_expired: "not_found", // an OpenID Connect sign-in that is unknown, finished or expired

  // 409
  conflict: "conflict",
  last_admin: "conflict", // demoting or deleting the only admin
  invitation_not_pending: "conflict", // "send again" for an account that accepted its invitation
  role_exists: "conflict", // a new role's name is taken
  built_in_role: "conflict", // deleting the built-in `admin` role
  password_not_set: "conflict", // a password change of an account without a password (issue 24)
  password_already_set: "conflict", // setting a first password where there is one (issue 24)
  last_passkey: "conflict", // removing the only passkey of an account without a password
  upstream_account_exists: "conflict", // an account has the address, and this provider never links
  identity_linked_elsewhere: "conflict", // the provider's identity signs in to another account
  last_sign_in_method: "conflict", // unlinking the only way left to sign in

  // 429
  too_many_requests: "too_many_requests",
  proof_of_work_required: "too_many_requests", // a sign-in under pressure: solve `extra.challenge`
  proof_of_work_invalid: "too_many_requests", // a solution expired, forged, wrong or already used

  // 500 / 503
  internal_error: "internal",
  service_unavailable: "internal",
  invalid_password_hash: "internal", // corrupt stored data, not a wrong password
} as const satisfies Record<string, ErrorKind>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes that belong to one kind. */
export type CodeOfKind<K extends ErrorKind> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C] extends K ? C : never;
}[ErrorCode];

export interface TesseraErrorOptions<C extends ErrorCode = ErrorCode> {
  /** A more specific code of the same kind; defaults to the kind's generic code. */
  code?: C;
  /** Extra JSON-safe data for the client (`extra` in the error body). Never put secrets here. */
  extra?: Record<string, unknown>;
  /** The underlying error, for logs only; never sent to the client. */
  cause?: unknown;
}

/** Base class of every error Tessera throws on purpose. */
export abstract class TesseraError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: ErrorCode;
  readonly extra: Record<string, unknown> | undefined;

  protected constructor(detail: string, code: ErrorCode, options: TesseraErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? code;
    this.extra = options.extra;
  }

  /** The client-facing message (the seed framework's `detail`). */
  get detail(): string {
    return this.message;
  }
}

/** 401: the request carries no valid credentials. */
export class NotAuthorizedError extends TesseraError {
  readonly kind = "not_authorized" as const;
  constructor(
    detail = "Not authorized",
    options: TesseraErrorOptions<CodeOfKind<"not_authorized">> = {},
  ) {
    super(detail, "not_authorized", options);
  }
}

/** 403: authenticated, but not allowed (or a further step is required first). */
export class PermissionDeniedError extends TesseraError {
  readonly kind = "permission_denied" as const;
  constructor(
    detail = "Permission denied",
    options: TesseraErrorOptions<CodeOfKind<"permission_denied">> = {},
  ) {
    super(detail, "permission_denied", options);
  }
}

/** 400 (or 413/415 by code): the request is malformed or its content is refused. */
export class ClientError extends TesseraError {
  readonly kind = "client_error" as const;
  constructor(
    detail = "Bad request",
    options: TesseraErrorOptions<CodeOfKind<"client_error">> = {},
  ) {
    super(detail, "client_error", options);
  }
}

/** 404: no such resource (or one the caller may not know exists). */
export class NotFoundError extends TesseraError {
  readonly kind = "not_found" as const;
  constructor(detail = "Not found", options: TesseraErrorOptions<CodeOfKind<"not_found">> = {}) {
    super(detail, "not_found", options);
  }
}

/** 409: the write conflicts with existing data (a name or email already used). */
export class ConflictError extends TesseraError {
  readonly kind = "conflict" as const;
  constructor(detail = "Conflict", options: TesseraErrorOptions<CodeOfKind<"conflict">> = {}) {
    super(detail, "conflict", options);
  }
}

/** 429: a rate limit was hit; `retryAfterSeconds` becomes the `Retry-After` header. */
export class TooManyRequestsError extends TesseraError {
  readonly kind = "too_many_requests" as const;
  readonly retryAfterSeconds: number;
  constructor(
    retryAfterSeconds: number,
    detail = "Too many requests",
    options: TesseraErrorOptions<CodeOfKind<"too_many_requests">> = {},
  ) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(detail, "too_many_requests", {
      ...options,
      extra: { retry_after_seconds: seconds, ...options.extra },
    });
    this.retryAfterSeconds = seconds;
  }
}

/** 500/503: an unexpected failure. The detail sent to clients is always generic. */
export class InternalError extends TesseraError {
  readonly kind = "internal" as const;
  constructor(
    detail = "Internal server error",
    options: TesseraErrorOptions<CodeOfKind<"internal">> = {},
  ) {
    super(detail, "internal_error", options);
  }
}

/**
 * A stored password hash that is not an Argon2 PHC string: corrupt data, not a wrong password.
 * `verifyPassword` throws this; a wrong password never throws.
 */
export class InvalidPasswordHashError extends TesseraError {
  readonly kind = "internal" as const;
  constructor(detail = "Stored password hash is not an Argon2 PHC string") {
    super(detail, "invalid_password_hash");
  }
}

/** Whether a value is one of Tessera's errors. */
export function isTesseraError(value: unknown): value is TesseraError {
  return value instanceof TesseraError;
}
