/**
 * The Tessera session of a request the provider handles. The HTTP layer verifies the session
 * cookie before it hands the raw request to the provider and binds what it found here; the
 * provider's checks, its account loading and its storage read it back (oidc-provider runs in
 * the same call, so the raw request is the key).
 */
import type { IncomingMessage } from "node:http";
import type { RequestMeta } from "../context.js";
import type { AuthenticationMethod } from "../sessions/sessions.js";

/** A live Tessera session, as the provider sees it. */
export interface OidcTesseraSession {
  readonly userId: string;
  readonly sessionId: string;
  /** When the person last authenticated in this session (sign-in or re-authentication). */
  readonly authTimeMs: number;
  readonly amr: readonly AuthenticationMethod[];
  /** The person must first change the password, or set up a second factor (TESSERA_REQUIRE_2FA). */
  readonly owes: "password_change" | "two_fa_enrolment" | null;
}

const bound = new WeakMap<IncomingMessage, OidcTesseraSession | null>();

/** Binds the request's Tessera session (null: none, or not live). */
export function bindTesseraSession(req: IncomingMessage, session: OidcTesseraSession | null): void {
  bound.set(req, session);
}

/** The request's Tessera session, or null. */
export function tesseraSessionOf(req: IncomingMessage | undefined): OidcTesseraSession | null {
  return req === undefined ? null : (bound.get(req) ?? null);
}

const metas = new WeakMap<IncomingMessage, RequestMeta>();

/**
 * Binds who is asking, as the HTTP layer resolved it (the client address through trusted
 * proxies only): the provider's abuse limits and audit events read it. Not Koa's `ctx.ip`,
 * which behind a proxy believes the first `X-Forwarded-For` entry, whoever wrote it.
 */
export function bindRequestMeta(req: IncomingMessage, meta: RequestMeta): void {
  metas.set(req, meta);
}

/** Who is asking, as bound; without a binding, the socket's address. */
export function requestMetaOf(req: IncomingMessage | undefined): RequestMeta {
  const bound = req === undefined ? undefined : metas.get(req);
  if (bound !== undefined) return bound;
  const agent = req?.headers["user-agent"];
  return {
    ip: req?.socket?.remoteAddress ?? "unknown",
    userAgent: typeof agent === "string" ? agent.slice(0, 512) : null,
  };
}

/** Authentication Context Class References the provider offers (`acr_values`). */
export const ACR_PASSWORD = "urn:tessera:loa:1";
/** A second factor (TOTP, a security key, a recovery code) or a passkey. */
export const ACR_SECOND_FACTOR = "urn:tessera:loa:2";

/** Whether a session's methods include a second factor (or a passkey, itself two factors). */
export function hasSecondFactor(amr: readonly AuthenticationMethod[]): boolean {
  return amr.some((m) => m !== "pwd");
}

/**
 * The session's methods as RFC 8176 values: `pwd`, `otp`, `hwk` for a security key or a
 * passkey, and `mfa` when there are two factors. A recovery code has no RFC 8176 value: it adds
 * `mfa` only.
 */
export function oidcAmr(amr: readonly AuthenticationMethod[]): string[] {
  const out = new Set<string>();
  for (const method of amr) {
    if (method === "pwd") out.add("pwd");
    else if (method === "otp") out.add("otp");
    else if (method === "webauthn" || method === "passkey") out.add("hwk");
  }
  if (hasSecondFactor(amr)) out.add("mfa");
  return [...out];
}

/** The `acr` of a session. */
export function oidcAcr(amr: readonly AuthenticationMethod[]): string {
  return hasSecondFactor(amr) ? ACR_SECOND_FACTOR : ACR_PASSWORD;
}
