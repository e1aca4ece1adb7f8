/**
 * Cross-site request forgery defence for cookie sessions (OWASP ASVS 5.0 V3.5): a
 * state-changing request must come from one of our own origins. Browsers send `Origin` on
 * every cross-origin request and on same-origin non-GET requests (Fetch §3.1 "origin
 * serialization"); `Sec-Fetch-Site` (Fetch Metadata) is a second signal. A request with
 * neither (a non-browser client) cannot be a forged browser request.
 */
import type { FastifyRequest } from "fastify";
import { PermissionDeniedError } from "../core/errors.js";

/**
 * @param allowedOrigins our origins; the first is the public one, named in the error so that a
 *   person who opened the server at another address is told where to go.
 * @throws PermissionDeniedError (code `csrf`, `extra.public_origin`) when the request came from
 *   another site.
 */
export function assertSameOrigin(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  const origin = request.headers.origin;
  if (typeof origin === "string") {
    if (!allowedOrigins.includes(origin)) throw csrfError(allowedOrigins);
    return;
  }
  const site = request.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") throw csrfError(allowedOrigins);
  const referer = request.headers.referer;
  if (typeof referer === "string") {
    let refererOrigin: string | null = null;
    try {
      refererOrigin = new URL(referer).origin;
    } catch {
      // An unparsable Referer is treated as foreign.
    }
    if (refererOrigin === null || !allowedOrigins.includes(refererOrigin)) {
      throw csrfError(allowedOrigins);
    }
  }
}

function csrfError(allowedOrigins: readonly string[]): PermissionDeniedError {
  const publicOrigin = allowedOrigins[0];
  return new PermissionDeniedError("Cross-site request refused", {
    code: "csrf",
    // Public knowledge (it is where the pages live), and the only useful advice for a person.
    ...(publicOrigin === undefined ? {} : { extra: { public_origin: publicOrigin } }),
  });
}
