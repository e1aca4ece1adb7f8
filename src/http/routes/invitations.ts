/** Invitations (issue 12, part 4): `POST /invitations/check`, `/invitations/accept`, `/users/{id}/invitation`. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  AcceptInvitationRequest,
  AcceptedResponse,
  EmptyBody,
  InvitationTokenRequest,
  InvitationView,
  UserIdParams,
  UserView,
} from "../../contract/index.js";
import { checkInvitation, resendInvitation } from "../../services/account/invitations.js";
import { acceptInvitation } from "../../services/sign-in/accept-invitation.js";
import { userViewOf } from "../../services/users-view.js";
import { setDeviceCookie, setSessionCookie } from "../cookie.js";
import { assertSameOrigin } from "../csrf.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const invitationRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx, cookie } = options;

  app.post(
    "/invitations/check",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["invitations"],
        summary: "Whom a live invitation is for (the page shows it); uses nothing",
        body: InvitationTokenRequest,
        response: { 200: InvitationView, ...errorResponses(400) },
      },
    },
    async (request) => checkInvitation(ctx, request.body.token),
  );

  app.post(
    "/invitations/accept",
    {
      config: { excludeFromAuth: true, setsSessionCookie: true },
      schema: {
        tags: ["invitations"],
        summary: "Choose the password of an invited account, and sign in",
        description:
          "Single use. The password policy applies (a refused password leaves the link usable). Marks the address verified and sets the session cookie, as `POST /login`.",
        body: AcceptInvitationRequest,
        response: { 200: UserView, ...errorResponses(400, 403, 429) },
      },
    },
    async (request, reply) => {
      // Login CSRF: a foreign page must not sign the browser in.
      assertSameOrigin(request, options.allowedOrigins);
      const result = await acceptInvitation(
        ctx,
        request.body.token,
        request.body.new_password,
        requestMeta(request),
      );
      setSessionCookie(reply, result.token, result.maxAgeSeconds, cookie);
      setDeviceCookie(reply, result.deviceToken, cookie);
      return userViewOf(result.user);
    },
  );

  app.post(
    "/users/:id/invitation",
    {
      schema: {
        tags: ["invitations"],
        summary: "Send the invitation again (admin only); the earlier link stops working",
        params: UserIdParams,
        body: EmptyBody,
        response: { 202: AcceptedResponse, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await resendInvitation(ctx, currentUser(request), request.params.id, requestMeta(request));
      return reply.code(202).send({ ok: true });
    },
  );
};
