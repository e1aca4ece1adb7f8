/** `GET /healthz`: public; 200 when the database answers, 503 when not. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { InternalError } from "../../core/errors.js";
import { HealthResponse } from "../../contract/index.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const healthRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  app.get(
    "/healthz",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["health"],
        summary: "Health check: pings the database",
        response: { 200: HealthResponse, ...errorResponses(503) },
      },
    },
    async (request) => {
      try {
        await options.ping();
      } catch (error) {
        request.log.error({ err: error }, "health check: database unreachable");
        throw new InternalError("Database unreachable", { code: "service_unavailable" });
      }
      return { status: "ok", database: "ok" };
    },
  );
};
