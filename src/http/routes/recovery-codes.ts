/** `/users/{id}/2fa/recovery-codes`: make a new set (shown once), how many are left. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { RecoveryCodesResponse, RecoveryCodesStatus, UserIdParams } from "../../contract/index.js";
import { recoveryCodeStatus, renewRecoveryCodes } from "../../services/factors/recovery-codes.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { errorResponses, inline } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const recoveryCodeRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx } = options;

  app.post(
    "/users/:id/2fa/recovery-codes",
    {
      schema: {
        tags: ["recovery codes"],
        summary: "Make 10 new recovery codes (the user themself); the previous set stops working",
        description:
          "The codes are in this answer only; the server keeps their hashes. Needs a second factor (TOTP or a passkey): 400 `no_second_factor` otherwise.",
        params: UserIdParams,
        response: {
          200: inline(RecoveryCodesResponse),
          ...errorResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) =>
      renewRecoveryCodes(ctx, currentUser(request), request.params.id, requestMeta(request)),
  );

  app.get(
    "/users/:id/2fa/recovery-codes",
    {
      schema: {
        tags: ["recovery codes"],
        summary: "How many recovery codes are left (never the codes)",
        params: UserIdParams,
        response: { 200: inline(RecoveryCodesStatus), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => recoveryCodeStatus(ctx, currentUser(request), request.params.id),
  );
};
