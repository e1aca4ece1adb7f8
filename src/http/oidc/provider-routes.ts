/**
 * The provider's endpoints (`/oidc/*` and the two discovery documents) handed to oidc-provider
 * as raw requests: their bodies are left unread for it (it reads urlencoded and JSON bodies
 * itself, up to 56 KiB), and their answers are its own (OAuth's `error` and
 * `error_description`, as RFC 6749 §5.2 says they must be).
 *
 * Before it hands a request over, the route reads the Tessera session cookie and binds the
 * session to the request (the provider's policy, its login and its `sid` read it), and drops
 * a provider session cookie that belongs to another Tessera session than this one: a sign-out
 * in Tessera, or another person signing in on the same browser, leaves the provider with no
 * session, so it asks again, and Tessera answers from its own session.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import type { ServiceContext } from "../../services/context.js";
import type { OidcRuntime } from "../../services/oidc/running.js";
import {
  bindTesseraSession,
  type OidcTesseraSession,
} from "../../services/oidc/request-session.js";
import { readTesseraSession } from "../../services/oidc/tessera-session.js";
import { TOKEN_COOKIE } from "../authentication.js";

/** The provider's session cookie (`cookies.names.session` in services/oidc/provider.ts). */
export const PROVIDER_SESSION_COOKIE = "tessera_oidc_session";

/** Methods the provider's endpoints answer (CORS preflights included). */
const METHODS = ["GET", "POST", "OPTIONS", "PUT", "DELETE"] as const;

export interface ProviderRoutesOptions {
  readonly ctx: ServiceContext;
  readonly oidc: OidcRuntime;
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
  // The provider changes when the keys do: one Koa callback per provider.
  const callbacks = new WeakMap<Provider, ReturnType<Provider["callback"]>>();
  const callbackOf = (provider: Provider) => {
    let callback = callbacks.get(provider);
    if (callback === undefined) {
      callback = provider.callback();
      callbacks.set(provider, callback);
    }
    return callback;
  };
  // The provider reads the bodies itself: no parser here consumes one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));

  const handOver = async (request: FastifyRequest, reply: import("fastify").FastifyReply) => {
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
