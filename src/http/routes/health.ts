/**
 * `GET /healthz` (liveness: the process answers, nothing else is asked) and `GET /readyz`
 * (readiness: the database answers and is migrated, Redis answers when configured; 503
 * `service_unavailable` with Retry-After and the state of each part otherwise). Issue 14 item 4:
 * a load balancer takes an instance out on /readyz, an orchestrator restarts it on /healthz.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { InternalError } from "../../core/errors.js";
import { HealthResponse, ReadinessResponse } from "../../contract/index.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const healthRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  app.get(
    "/healthz",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["health"],
        summary: "Liveness: the process answers (nothing else is checked)",
        response: { 200: HealthResponse },
      },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["health"],
        summary: "Readiness: the database answers and is migrated, Redis answers when configured",
        response: { 200: ReadinessResponse, ...errorResponses(503) },
      },
    },
    async (request) => {
      const { ready, database, redis } = await options.readiness();
      if (!ready) {
        request.log.warn({ database, redis }, "not ready");
        throw new InternalError("Not ready", {
          code: "service_unavailable",
          extra: { database, redis },
        });
      }
      return { status: "ok", database, redis };
    },
  );
};
