/** `GET /audit` (admin) and `GET /users/{id}/audit` (self or admin): the audit trail, paged. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { AuditPage, AuditQuery, UserAuditQuery, UserIdParams } from "../../contract/index.js";
import { readAuditPage, readUserAuditPage } from "../../services/audit/audit-log.js";
import { actorOf } from "../request-meta.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const auditRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx } = options;

  app.get(
    "/audit",
    {
      schema: {
        tags: ["audit"],
        summary:
          "The audit trail, newest first, filtered by user, actor, event and time (admin); pass next_cursor as cursor for the next page",
        querystring: AuditQuery,
        response: { 200: AuditPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      return readAuditPage(ctx, actorOf(request), {
        userId: q.user_id,
        actorId: q.actor_id,
        event: q.event,
        since: q.since,
        until: q.until,
        cursor: q.cursor,
        limit: q.limit,
      });
    },
  );

  app.get(
    "/users/:id/audit",
    {
      schema: {
        tags: ["audit"],
        summary: "The security activity of one user, newest first (self or admin)",
        params: UserIdParams,
        querystring: UserAuditQuery,
        response: { 200: AuditPage, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      return readUserAuditPage(ctx, actorOf(request), request.params.id, {
        event: q.event,
        since: q.since,
        until: q.until,
        cursor: q.cursor,
        limit: q.limit,
      });
    },
  );
};
