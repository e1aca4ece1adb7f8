/**
 * Verified addresses (issue 12, part 3): `POST /email/verify`, `POST /email/verify/resend`,
 * `GET /users/{id}/email`, `PATCH /users/{id}/email`, `POST /users/{id}/email/verified`.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  AcceptedResponse,
  ChangeEmailRequest,
  EmailStateView,
  EmptyBody,
  ResendVerificationRequest,
  UserIdParams,
  UserView,
  VerifyEmailRequest,
} from "../../contract/index.js";
import { changeEmail } from "../../services/account/email-change.js";
import {
  emailState,
  markEmailVerifiedByAdmin,
  resendVerification,
  verifyEmail,
} from "../../services/account/email-verification.js";
import { userViewOf } from "../../services/users-view.js";
import { registerAddressRateLimit } from "../address-rate-limit.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

/**
 * Public mail-sending requests per client network and minute (on top of the per-address caps,
 * `LoginThrottle.reserveMailCap`): a person needs one; an office behind one address a few at once.
 */
export const MAIL_REQUESTS_PER_MINUTE = 20;

export const emailRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx } = options;
  await registerAddressRateLimit(app);

  app.post(
    "/email/verify",
    {
      config: { excludeFromAuth: true, allowDuringPasswordChange: true },
      schema: {
        tags: ["email"],
        summary: "Confirm an address with the token of the mailed link",
        description:
          "The link is `PUBLIC_URL/verify-email#token=…`; the page posts the token here. Single use; it verifies only the address it was sent to.",
        body: VerifyEmailRequest,
        response: { 200: UserView, ...errorResponses(400, 429) },
      },
    },
    async (request) => {
      const user = await verifyEmail(ctx, request.body.token, requestMeta(request));
      // The page shows only that it worked; the name tells the person which account.
      return userViewOf(user);
    },
  );

  app.post(
    "/email/verify/resend",
    {
      config: {
        excludeFromAuth: true,
        allowDuringPasswordChange: true,
        rateLimit: { max: MAIL_REQUESTS_PER_MINUTE, timeWindow: 60_000 },
      },
      schema: {
        tags: ["email"],
        summary: "Mail the verification link again to an account whose address is not verified",
        description:
          "Always 202, whether or not the account exists or is verified. At most 3 an hour per name or address, and 20 a minute per client network.",
        body: ResendVerificationRequest,
        response: { 202: AcceptedResponse, ...errorResponses(400, 429, 503) },
      },
    },
    async (request, reply) => {
      await resendVerification(ctx, request.body.name, requestMeta(request));
      return reply.code(202).send({ ok: true });
    },
  );

  app.get(
    "/users/:id/email",
    {
      config: { allowDuringPasswordChange: true },
      schema: {
        tags: ["email"],
        summary:
          "The address, whether a link to confirm it is waiting, and whether it can receive mail (self or admin)",
        params: UserIdParams,
        response: { 200: EmailStateView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => emailState(ctx, currentUser(request), request.params.id),
  );

  app.patch(
    "/users/:id/email",
    {
      schema: {
        tags: ["email"],
        summary: "Change the address (self, or an admin for a non-admin)",
        description:
          "The new address is not verified until its owner opens the mailed link; the old address gets a notice, and reset links sent to it stop working.",
        params: UserIdParams,
        body: ChangeEmailRequest,
        response: { 200: UserView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const user = await changeEmail(
        ctx,
        currentUser(request),
        request.params.id,
        request.body.email,
        requestMeta(request),
      );
      return userViewOf(user);
    },
  );

  app.post(
    "/users/:id/email/verified",
    {
      schema: {
        tags: ["email"],
        summary: "Mark the address verified without a link (admin only, not on another admin)",
        params: UserIdParams,
        body: EmptyBody,
        response: { 200: UserView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const user = await markEmailVerifiedByAdmin(
        ctx,
        currentUser(request),
        request.params.id,
        requestMeta(request),
      );
      return userViewOf(user);
    },
  );
};
