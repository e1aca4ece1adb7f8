import { describe, expect, it } from "vitest";
import {
  ClientError,
  ConflictError,
  ERROR_CODES,
  InternalError,
  NotAuthorizedError,
  NotFoundError,
  PermissionDeniedError,
  TooManyRequestsError,
  isTesseraError,
} from "../../src/core/errors.js";

describe("errors", () => {
  it("gives each kind its generic code by default", () => {
    expect(new NotAuthorizedError().code).toBe("not_authorized");
    expect(new PermissionDeniedError().code).toBe("permission_denied");
    expect(new ClientError().code).toBe("client_error");
    expect(new NotFoundError().code).toBe("not_found");
    expect(new ConflictError().code).toBe("conflict");
    expect(new TooManyRequestsError(3).code).toBe("too_many_requests");
    expect(new InternalError().code).toBe("internal_error");
  });

  it("keeps a specific code of the same kind and its extra", () => {
    const error = new PermissionDeniedError("2FA required", {
      code: "two_fa_required",
      extra: { user_id: "u1" },
    });
    expect(error.code).toBe("two_fa_required");
    expect(error.kind).toBe("permission_denied");
    expect(error.extra).toEqual({ user_id: "u1" });
    expect(error.detail).toBe("2FA required");
    expect(isTesseraError(error)).toBe(true);
    expect(isTesseraError(new Error("x"))).toBe(false);
  });

  it("rounds a retry-after up to whole seconds, at least one", () => {
    expect(new TooManyRequestsError(0.2).retryAfterSeconds).toBe(1);
    expect(new TooManyRequestsError(61.5).retryAfterSeconds).toBe(62);
    expect(new TooManyRequestsError(61.5).extra).toEqual({ retry_after_seconds: 62 });
  });

  it("assigns every code to exactly one of the seed's kinds", () => {
    const kinds = new Set([
      "not_authorized",
      "permission_denied",
      "client_error",
      "not_found",
      "conflict",
      "too_many_requests",
      "internal",
    ]);
    for (const [code, kind] of Object.entries(ERROR_CODES)) {
      expect(kinds.has(kind), `${code} -> ${kind}`).toBe(true);
      expect(code).toMatch(/^[a-z][a-z0-9_]*$/);
    }
  });
});
