/**
 * Sign-in through upstream providers (issue 22): `GET /login/providers` (the sign-in page's
 * buttons), `GET /login/providers/{id}` (off to the provider), `POST
 * /login/providers/{id}/invitation` (the same, accepting an invitation through it), `GET
 * /login/providers/{id}/callback` (back: signed in, or on to the second factor or the
 * confirmation of a link, or an error code, each as a redirect to the sign-in page),
 * `GET /login/providers/pending`, `POST /login/providers/complete` (the second factor),
 * `POST /login/providers/link` (confirm a link, signed in); the account page's
 * `GET /me/linked-sign-ins`, `POST /me/linked-sign-ins/{id}` and `DELETE
 * /me/linked-sign-ins/{id}`; the admin's `GET /providers`.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";
import {
  LinkedSignInList,
  OfferedProviderList,
  PendingUpstreamSignIn,
  ProviderIdParams,
  UpstreamProviderList,
  UpstreamRedirect,
  UpstreamSecondFactorRequest,
  UpstreamInvitationRequest,
  UserView,
} from "../../contract/index.js";
import { isTesseraError, NotFoundError, PermissionDeniedError } from "../../core/errors.js";
import {
  listLinkedSignIns,
  offeredProviders,
  unlinkSignIn,
} from "../../services/upstream/links.js";
import { providerInfoOf } from "../../services/upstream/providers.js";
import {
  completeUpstreamSecondFactor,
  confirmUpstreamLink,
  describePending,
} from "../../services/upstream/pending.js";
import { finishUpstreamSignIn, startUpstreamSignIn } from "../../services/upstream/sign-in.js";
import type { UpstreamDependencies } from "../../services/upstream/types.js";
import { userViewOf } from "../../services/users-view.js";
import { setDeviceCookie, setSessionCookie, type SessionCookieOptions } from "../cookie.js";
import { registerAddressRateLimit } from "../address-rate-limit.js";
import { assertSameOrigin } from "../csrf.js";
import { actorOf, currentUser, requestMeta } from "../request-meta.js";
import { errorResponses, inline } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export interface UpstreamRoutesOptions extends RouteOptions {
  upstream: UpstreamDependencies;
}

/** The flow's cookie (from the redirect upstream to the callback). */
export const UPSTREAM_FLOW_COOKIE = "tessera_upstream_flow";
/** A pending sign-in's cookie (second factor, or a link to confirm). */
export const UPSTREAM_PENDING_COOKIE = "tessera_upstream_pending";
const COOKIE_PATH = "/login/providers";
const COOKIE_MAX_AGE_SECONDS = 600;

function setFlowCookie(
  reply: FastifyReply,
  name: string,
  value: string,
  options: SessionCookieOptions,
): void {
  // Lax: the callback is a top-level GET from the provider's site, which Lax lets through.
  void reply.setCookie(name, value, {
    httpOnly: true,
    sameSite: "lax",
    secure: options.secure,
    path: COOKIE_PATH,
    maxAge: COOKIE_MAX_AGE_SECONDS,
  });
}

function clearFlowCookie(reply: FastifyReply, name: string, options: SessionCookieOptions): void {
  void reply.clearCookie(name, {
    httpOnly: true,
    sameSite: "lax",
    secure: options.secure,
    path: COOKIE_PATH,
  });
}

/**
 * Upstream sign-ins a network may start per minute: each keeps a single-use `state` in the
 * challenge store (whose live anonymous entries are capped), as the passkey options do.
 */
export const UPSTREAM_STARTS_PER_MINUTE = 30;

const NoContent = Type.Null({ description: "Done; no body" });
const Redirect = Type.Null({ description: "303 See Other to the page named in Location" });

export const upstreamRoutes: FastifyPluginAsyncTypebox<UpstreamRoutesOptions> = async (
  app,
  options,
) => {
  const { ctx, upstream, cookie } = options;
  await registerAddressRateLimit(app);

  app.get(
    "/login/providers",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["session"],
        summary: "The sign-in providers offered on the sign-in page",
        response: { 200: OfferedProviderList },
      },
    },
    async () => ({ providers: await offeredProviders(upstream) }),
  );

  app.get(
    "/login/providers/pending",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["session"],
        summary: "The upstream sign-in waiting for a second factor or a link's confirmation",
        response: { 200: PendingUpstreamSignIn, ...errorResponses(400) },
      },
    },
    async (request) => {
      const pending = describePending(ctx, upstream, request.cookies[UPSTREAM_PENDING_COOKIE]);
      const provider = (await upstream.registry.list()).find((p) => p.id === pending.providerId);
      return {
        kind: pending.kind,
        provider_id: pending.providerId,
        provider_name: provider?.name ?? pending.providerId,
        email: pending.identity.email,
      };
    },
  );

  app.get(
    "/login/providers/:id",
    {
      config: {
        excludeFromAuth: true,
        rateLimit: { max: UPSTREAM_STARTS_PER_MINUTE, timeWindow: 60_000 },
      },
      schema: {
        tags: ["session"],
        summary:
          "Sign in through a provider: redirects to it (authorization code, PKCE, state, nonce)",
        params: ProviderIdParams,
        response: { 303: Redirect, ...errorResponses(404, 429, 503) },
      },
    },
    async (request, reply) => {
      const started = await startUpstreamSignIn(ctx, upstream, request.params.id, null);
      setFlowCookie(reply, UPSTREAM_FLOW_COOKIE, started.flowCookie, cookie);
      return reply.redirect(started.url, 303);
    },
  );

  app.post(
    "/login/providers/:id/invitation",
    {
      config: {
        excludeFromAuth: true,
        rateLimit: { max: UPSTREAM_STARTS_PER_MINUTE, timeWindow: 60_000 },
      },
      schema: {
        tags: ["session"],
        summary:
          "Accept an invitation through a provider (the token in the body, never in a URL): the browser goes to `redirect_to`; the callback links the invited account",
        params: ProviderIdParams,
        body: inline(UpstreamInvitationRequest),
        response: { 200: UpstreamRedirect, ...errorResponses(400, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      assertSameOrigin(request, options.allowedOrigins);
      const started = await startUpstreamSignIn(
        ctx,
        upstream,
        request.params.id,
        null,
        request.body.token,
      );
      setFlowCookie(reply, UPSTREAM_FLOW_COOKIE, started.flowCookie, cookie);
      return { redirect_to: started.url };
    },
  );

  app.get(
    "/login/providers/:id/callback",
    {
      config: { excludeFromAuth: true, setsSessionCookie: true },
      schema: {
        tags: ["session"],
        summary:
          "The provider's redirect back: signed in (to /account), or to / with `provider_pending` or `provider_error` set to a code; 404 for a provider that does not exist (or was removed)",
        params: ProviderIdParams,
        response: { 303: Redirect, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const query = request.url.includes("?")
        ? request.url.slice(request.url.indexOf("?") + 1)
        : "";
      // The flow is used up whatever happens next.
      clearFlowCookie(reply, UPSTREAM_FLOW_COOKIE, cookie);
      try {
        const outcome = await finishUpstreamSignIn(ctx, upstream, {
          providerId: request.params.id,
          query,
          flowCookie: request.cookies[UPSTREAM_FLOW_COOKIE],
          meta: requestMeta(request),
          webauthn: options.webauthn,
        });
        if (outcome.kind === "linked") {
          return reply.redirect(`/account?provider_linked=${request.params.id}`, 303);
        }
        if (outcome.kind === "pending") {
          setFlowCookie(reply, UPSTREAM_PENDING_COOKIE, outcome.cookie, cookie);
          return reply.redirect(`/?provider_pending=${outcome.pending}`, 303);
        }
        setSessionCookie(reply, outcome.result.token, outcome.result.maxAgeSeconds, cookie);
        setDeviceCookie(reply, outcome.result.deviceToken, cookie);
        return reply.redirect("/account", 303);
      } catch (error) {
        // An unknown or removed provider: 404, as any path that names nothing.
        if (error instanceof NotFoundError) throw error;
        if (!isTesseraError(error) || error.kind === "internal") {
          if (isTesseraError(error)) {
            return reply.redirect("/?provider_error=service_unavailable", 303);
          }
          throw error;
        }
        return reply.redirect(`/?provider_error=${error.code}`, 303);
      }
    },
  );

  app.post(
    "/login/providers/complete",
    {
      config: { excludeFromAuth: true, setsSessionCookie: true },
      schema: {
        tags: ["session"],
        summary: "The second factor of an upstream sign-in (403 `two_fa_required` as POST /login)",
        body: inline(UpstreamSecondFactorRequest),
        response: { 200: UserView, ...errorResponses(400, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      assertSameOrigin(request, options.allowedOrigins);
      const result = await completeUpstreamSecondFactor(ctx, upstream, {
        cookie: request.cookies[UPSTREAM_PENDING_COOKIE],
        answer: request.body,
        meta: requestMeta(request),
        webauthn: options.webauthn,
      });
      clearFlowCookie(reply, UPSTREAM_PENDING_COOKIE, cookie);
      setSessionCookie(reply, result.token, result.maxAgeSeconds, cookie);
      setDeviceCookie(reply, result.deviceToken, cookie);
      return userViewOf(result.user);
    },
  );

  app.post(
    "/login/providers/link",
    {
      schema: {
        tags: ["session"],
        summary: "Confirm the link of a pending upstream sign-in to the signed-in account",
        response: { 200: LinkedSignInList, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      await confirmUpstreamLink(ctx, upstream, {
        cookie: request.cookies[UPSTREAM_PENDING_COOKIE],
        userId: user.id,
        meta: requestMeta(request),
      });
      clearFlowCookie(reply, UPSTREAM_PENDING_COOKIE, cookie);
      return linkedView(await listLinkedSignIns(ctx, upstream, user.id));
    },
  );

  app.get(
    "/me/linked-sign-ins",
    {
      schema: {
        tags: ["users"],
        summary: "The signed-in person's linked sign-ins (providers)",
        response: { 200: LinkedSignInList, ...errorResponses(401) },
      },
    },
    async (request) => linkedView(await listLinkedSignIns(ctx, upstream, currentUser(request).id)),
  );

  app.post(
    "/me/linked-sign-ins/:id",
    {
      schema: {
        tags: ["users"],
        summary: "Link a provider to the signed-in account: the browser goes to `redirect_to`",
        params: ProviderIdParams,
        response: { 200: UpstreamRedirect, ...errorResponses(401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const started = await startUpstreamSignIn(ctx, upstream, request.params.id, user.id);
      setFlowCookie(reply, UPSTREAM_FLOW_COOKIE, started.flowCookie, cookie);
      return { redirect_to: started.url };
    },
  );

  app.delete(
    "/me/linked-sign-ins/:id",
    {
      schema: {
        tags: ["users"],
        summary: "Unlink a provider (409 `last_sign_in_method` for the only way left to sign in)",
        params: ProviderIdParams,
        response: { 204: NoContent, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await unlinkSignIn(ctx, currentUser(request).id, request.params.id, requestMeta(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/providers",
    {
      schema: {
        tags: ["admin"],
        summary: "The sign-in providers (admin; never a secret)",
        response: { 200: UpstreamProviderList, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      if (!actorOf(request).isAdmin) {
        throw new PermissionDeniedError("Only an admin may list the sign-in providers");
      }
      const providers = await upstream.registry.list();
      return {
        providers: providers.map((provider) => {
          const info = providerInfoOf(provider, upstream.publicUrl);
          return {
            id: info.id,
            name: info.name,
            kind: info.kind,
            issuer: info.issuer,
            client_id: info.clientId,
            scopes: [...info.scopes],
            link: info.linkPolicy,
            create_accounts: info.createAccounts,
            trust_upstream_mfa: info.trustUpstreamMfa,
            callback_url: info.callbackUrl,
            created_at: info.createdAt.toISOString(),
          };
        }),
      };
    },
  );
};

function linkedView(links: Awaited<ReturnType<typeof listLinkedSignIns>>): {
  linked: LinkedSignInList["linked"];
} {
  return {
    linked: links.map((link) => ({
      provider_id: link.providerId,
      provider_name: link.providerName,
      email_at_link: link.emailAtLink,
      created_at: link.createdAt.toISOString(),
      last_used_at: link.lastUsedAt?.toISOString() ?? null,
    })),
  };
}
