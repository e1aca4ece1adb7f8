/**
 * The provider's endpoints (`/oidc/*` and the two discovery documents) handed to oidc-provider
 * as raw requests: their bodies are left unread for it (it reads urlencoded and JSON bodies
 * itself, up to 56 KiB), and their answers are its own (OAuth's `error` and
 * `error_description`, as RFC 6749 §5.2 says they must be).
 *
 * Before it hands a request over, the route reads the Tessera session cookie and binds the
 * session to the request (the provider's policy, its login and its `sid` read it; and the
 * client's address as Fastify resolved it, for its abuse limits and audit events), and drops
 * a provider session cookie that belongs to another Tessera session than this one: a sign-out
 * in Tessera, or another person signing in on the same browser, leaves the provider with no
 * session, so it asks again, and Tessera answers from its own session.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import type { ServiceContext } from "../../services/context.js";
import type { OidcRuntime } from "../../services/oidc/running.js";
import {
  bindRequestMeta,
  bindTesseraSession,
  type OidcTesseraSession,
} from "../../services/oidc/request-session.js";
import { readTesseraSession } from "../../services/oidc/tessera-session.js";
import { TOKEN_COOKIE } from "../authentication.js";
import { clearedSessionCookieHeader } from "../cookie.js";
import { requestMeta } from "../request-meta.js";
import { endTesseraSessionOnLogout } from "./logout.js";

/** The provider's session cookie (`cookies.names.session` in services/oidc/provider.ts). */
export const PROVIDER_SESSION_COOKIE = "tessera_oidc_session";

/** Methods the provider's endpoints answer (CORS preflights included). */
const METHODS = ["GET", "POST", "OPTIONS", "PUT", "DELETE"] as const;

export interface ProviderRoutesOptions {
  readonly ctx: ServiceContext;
  readonly oidc: OidcRuntime;
  /** The session cookie's `Secure` flag (an RP-initiated logout clears the cookie). */
  readonly secureCookie: boolean;
}

/** Removes the provider's session cookie (and its signature) from a request's Cookie header. */
export function withoutProviderSession(cookieHeader: string): string {
  return cookieHeader
    .split(";")
    .filter((part) => {
      const name = part.split("=", 1)[0]!.trim();
      return name !== PROVIDER_SESSION_COOKIE && name !== `${PROVIDER_SESSION_COOKIE}.sig`;
    })
    .join(";");
}

/** Binds the request's Tessera session; drops a provider session that is not its own. */
export async function prepareProviderRequest(
  request: FastifyRequest,
  ctx: ServiceContext,
  provider: Provider,
): Promise<OidcTesseraSession | null> {
  const session = await readTesseraSession(ctx, request.cookies?.[TOKEN_COOKIE]);
  bindTesseraSession(request.raw, session);
  // Who is asking, through trusted proxies only (Koa's own `ctx.ip` believes any
  // X-Forwarded-For): for the provider's limits and the audit of what the request does.
  bindRequestMeta(request.raw, { ...requestMeta(request), sessionId: session?.sessionId ?? null });
  const providerSessionId = request.cookies?.[PROVIDER_SESSION_COOKIE];
  if (providerSessionId !== undefined && providerSessionId !== "") {
    const stored = (await provider.Session.find(providerSessionId)) as
      { accountId?: string; tesseraSessionId?: string } | undefined;
    const own =
      stored === undefined ||
      stored.accountId === undefined ||
      (session !== null && stored.tesseraSessionId === session.sessionId);
    if (!own && typeof request.raw.headers.cookie === "string") {
      request.raw.headers.cookie = withoutProviderSession(request.raw.headers.cookie);
    }
  }
  return session;
}

export const providerRoutes: FastifyPluginAsync<ProviderRoutesOptions> = async (app, options) => {
  const { ctx, oidc } = options;
  const clearCookie = clearedSessionCookieHeader(app.serializeCookie, {
    secure: options.secureCookie,
  });
  // The provider changes when the keys do: one Koa callback per provider, made after its
  // post-middleware (RP-initiated logout ends the Tessera session) is in place.
  const callbacks = new WeakMap<Provider, ReturnType<Provider["callback"]>>();
  const callbackOf = (provider: Provider) => {
    let callback = callbacks.get(provider);
    if (callback === undefined) {
      provider.use(endTesseraSessionOnLogout(ctx, clearCookie));
      callback = provider.callback();
      callbacks.set(provider, callback);
    }
    return callback;
  };
  // The provider reads the bodies itself: no parser here consumes one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));

  const handOver = async (request: FastifyRequest, reply: FastifyReply) => {
    const provider = oidc.current();
    await prepareProviderRequest(request, ctx, provider);
    reply.hijack();
    await callbackOf(provider)(request.raw, reply.raw);
  };
  const config = { excludeFromAuth: true };
  for (const url of [
    "/oidc/*",
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
  ]) {
    // Described by the provider's discovery document (RFC 8414), not in OpenAPI.
    app.route({ method: [...METHODS], url, config, schema: { hide: true }, handler: handOver });
  }
};
