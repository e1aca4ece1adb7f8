/**
 * Sessions: `POST /logout`, `POST /logout/all`, `GET /users/{id}/sessions`,
 * `DELETE /users/{id}/sessions/{session_id}`, `POST /users/{id}/sessions/end-others`.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  EndSessionsResponse,
  OkResponse,
  SessionList,
  SessionListQuery,
  SessionParams,
  UserIdParams,
} from "../../contract/index.js";
import { isTesseraError } from "../../core/errors.js";
import { endOneSession, endOtherSessions, listSessions } from "../../services/sessions/devices.js";
import { authenticateSessionToken } from "../../services/sessions/sessions.js";
import { endUserSessions, logout } from "../../services/sessions/ending.js";
import { readToken } from "../authentication.js";
import { clearSessionCookie } from "../cookie.js";
import { assertSameOrigin } from "../csrf.js";
import { actorOf, currentUser, requestMeta } from "../request-meta.js";
import { pageResponse, sendPage } from "../paging.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const sessionRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx, cookie } = options;

  app.post(
    "/logout",
    {
      // Public, so that a stale or expired token still signs the browser out cleanly.
      config: { excludeFromAuth: true, setsSessionCookie: true },
      schema: {
        tags: ["session"],
        summary: "Sign out: ends this session on the server and clears the cookie",
        description:
          "A replayed token of the ended session gets 401 afterwards. A cookie-carried logout from another site is refused (403 `csrf`) like any other write.",
        response: { 200: OkResponse, ...errorResponses(403) },
      },
    },
    async (request, reply) => {
      const found = readToken(request);
      // A forced sign-out is a forged write too (ASVS V3.5): the cookie is the browser's own.
      if (found?.source === "cookie") assertSameOrigin(request, options.allowedOrigins);
      if (found !== null) {
        try {
          const session = await authenticateSessionToken(ctx, found.token);
          await logout(
            ctx,
            { userId: session.user.id, sessionId: session.sessionId },
            requestMeta(request),
          );
        } catch (error) {
          // Not a live session: nothing to end on the server, the cookie still goes.
          if (!isTesseraError(error) || error.code !== "not_authorized") throw error;
        }
      }
      clearSessionCookie(reply, cookie);
      return { ok: true };
    },
  );

  app.post(
    "/logout/all",
    {
      config: { allowDuringPasswordChange: true, setsSessionCookie: true },
      schema: {
        tags: ["session"],
        summary: "Sign out everywhere: ends every session of the user, this one included",
        response: { 200: EndSessionsResponse, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const ended = await endUserSessions(
        ctx,
        actorOf(request).id,
        "logout_all",
        requestMeta(request),
      );
      clearSessionCookie(reply, cookie);
      return { ok: true, ended };
    },
  );

  app.get(
    "/users/:id/sessions",
    {
      config: { allowDuringPasswordChange: true },
      schema: {
        tags: ["session"],
        summary:
          "Where a user is signed in (self or admin): live sessions, the current one first, then newest first, a page at a time",
        description:
          'Paged (`limit` 1 to 200, default 50; `cursor`): the next page is in `Link: <…>; rel="next"` and `X-Next-Cursor`, both absent on the last page.',
        params: UserIdParams,
        querystring: SessionListQuery,
        response: { 200: pageResponse(SessionList), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) =>
      sendPage(request, reply, async () => {
        const page = await listSessions(
          ctx,
          currentUser(request),
          request.params.id,
          request.auth?.sessionId ?? null,
          request.query,
        );
        const items = page.items.map(({ session, current }) => ({
          id: session.id,
          created_at: session.createdAt.toISOString(),
          last_seen_at: session.lastSeenAt.toISOString(),
          expires_at: session.expiresAt.toISOString(),
          idle_expires_at: session.idleExpiresAt.toISOString(),
          ip: session.ip,
          user_agent: session.userAgent,
          device: session.device,
          amr: session.amr,
          current,
        }));
        return { items, nextCursor: page.nextCursor };
      }),
  );

  app.delete(
    "/users/:id/sessions/:session_id",
    {
      config: { allowDuringPasswordChange: true },
      schema: {
        tags: ["session"],
        summary: "End one session (self, or an admin for a non-admin)",
        description: "404 for a session id that is not a live session of this user.",
        params: SessionParams,
        response: { 200: OkResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      await endOneSession(
        ctx,
        currentUser(request),
        request.params.id,
        request.params.session_id,
        requestMeta(request),
      );
      return { ok: true };
    },
  );

  app.post(
    "/users/:id/sessions/end-others",
    {
      config: { allowDuringPasswordChange: true },
      schema: {
        tags: ["session"],
        summary: "End every session of the user but this one (self only)",
        params: UserIdParams,
        response: { 200: EndSessionsResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const ended = await endOtherSessions(
        ctx,
        currentUser(request),
        request.params.id,
        request.auth?.sessionId ?? null,
        requestMeta(request),
      );
      return { ok: true, ended };
    },
  );
};
