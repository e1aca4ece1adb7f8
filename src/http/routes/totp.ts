/** `/users/{id}/2fa/totp`: setup, confirm, disable, status. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  TotpCodeRequest,
  TotpConfiguredResponse,
  TotpDisableRequest,
  TotpSetupResponse,
  UserIdParams,
} from "../../contract/index.js";
import { ClientError } from "../../core/errors.js";
import {
  confirmTotp,
  disableTotpFor,
  isTotpConfigured,
  setupTotp,
} from "../../services/factors/totp.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { errorResponses, inline } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const totpRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx } = options;

  app.post(
    "/users/:id/2fa/totp/setup",
    {
      schema: {
        tags: ["totp"],
        summary: "Start TOTP enrolment: a pending secret and its otpauth:// URI",
        description:
          "The server generates the secret; a body with `secret` is refused (400 `validation_error`).",
        params: UserIdParams,
        response: { 200: inline(TotpSetupResponse), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      // No body schema: a POST without any body must pass (Fastify validates an absent body).
      if (namesSecret(request.body)) {
        throw new ClientError("The server generates the TOTP secret: do not send one", {
          code: "validation_error",
          extra: { field: "secret" },
        });
      }
      return setupTotp(ctx, currentUser(request), request.params.id, requestMeta(request));
    },
  );

  app.post(
    "/users/:id/2fa/totp/confirm",
    {
      schema: {
        tags: ["totp"],
        summary: "Confirm TOTP enrolment with a code from the pending secret",
        params: UserIdParams,
        body: inline(TotpCodeRequest),
        response: {
          200: inline(TotpConfiguredResponse),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      await confirmTotp(
        ctx,
        currentUser(request),
        request.params.id,
        request.body.code,
        requestMeta(request),
      );
      return { is_configured: true };
    },
  );

  app.post(
    "/users/:id/2fa/totp/disable",
    {
      schema: {
        tags: ["totp"],
        summary:
          "Disable TOTP (with a current code; an admin may disable another user's TOTP without one)",
        params: UserIdParams,
        body: TotpDisableRequest,
        response: {
          200: inline(TotpConfiguredResponse),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      await disableTotpFor(
        ctx,
        currentUser(request),
        request.params.id,
        request.body.code,
        requestMeta(request),
      );
      return { is_configured: false };
    },
  );

  app.get(
    "/users/:id/2fa/totp",
    {
      schema: {
        tags: ["totp"],
        summary: "Whether the user has TOTP configured",
        params: UserIdParams,
        response: { 200: inline(TotpConfiguredResponse), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      is_configured: await isTotpConfigured(ctx, currentUser(request), request.params.id),
    }),
  );
};

/** Whether a setup body names a secret (any value): the server alone chooses it. */
function namesSecret(body: unknown): boolean {
  return typeof body === "object" && body !== null && Object.hasOwn(body, "secret");
}
