/**
 * Cross-site request forgery defence for cookie sessions (OWASP ASVS 5.0 V3.5): a
 * state-changing request must come from one of our own origins. Browsers send `Origin` on
 * every cross-origin request and on same-origin non-GET requests (Fetch §3.1 "origin
 * serialization"); `Sec-Fetch-Site` (Fetch Metadata) is a second signal. A request with
 * neither (a non-browser client) cannot be a forged browser request.
 */
import type { FastifyRequest } from "fastify";
import { PermissionDeniedError } from "../core/errors.js";

/** @throws PermissionDeniedError (code `csrf`) when the request came from another site. */
export function assertSameOrigin(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  const origin = request.headers.origin;
  if (typeof origin === "string") {
    if (!allowedOrigins.includes(origin)) throw csrfError();
    return;
  }
  const site = request.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") throw csrfError();
  const referer = request.headers.referer;
  if (typeof referer === "string") {
    let refererOrigin: string | null = null;
    try {
      refererOrigin = new URL(referer).origin;
    } catch {
      // An unparsable Referer is treated as foreign.
    }
    if (refererOrigin === null || !allowedOrigins.includes(refererOrigin)) throw csrfError();
  }
}

function csrfError(): PermissionDeniedError {
  return new PermissionDeniedError("Cross-site request refused", { code: "csrf" });
}
