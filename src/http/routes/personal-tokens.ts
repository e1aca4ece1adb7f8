/**
 * Personal access tokens (issue 23 item 1): `POST /users/{id}/tokens` (the user themself, with a
 * recent authentication: src/http/route-policy.ts), `GET /users/{id}/tokens` and
 * `DELETE /users/{id}/tokens/{token_id}` (the user, or an admin for a non-admin). None of them
 * takes a personal access token but the list (`profile:read`, src/http/token-scopes.ts).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  CreatedPersonalToken,
  CreatePersonalTokenRequest,
  OkResponse,
  PersonalTokenList,
  PersonalTokenParams,
  UserIdParams,
  type PersonalTokenView,
} from "../../contract/index.js";
import {
  createPersonalToken,
  listPersonalTokens,
  revokePersonalToken,
  type PersonalAccessToken,
} from "../../services/personal-tokens/tokens.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

function viewOf(token: PersonalAccessToken): PersonalTokenView {
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    created_at: token.createdAt.toISOString(),
    expires_at: token.expiresAt.toISOString(),
    last_used_at: token.lastUsedAt === null ? null : token.lastUsedAt.toISOString(),
    last_used_address: token.lastUsedAddress,
  };
}

export const personalTokenRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (
  app,
  options,
) => {
  const { ctx } = options;

  app.post(
    "/users/:id/tokens",
    {
      schema: {
        tags: ["tokens"],
        summary: "Make a personal access token (self only, recent authentication)",
        description:
          "Answers 201 with the token, shown this once (`tsr_pat_…`, send it as `Authorization: Bearer`). `scopes` must be scopes the user holds (else 400 `invalid_scope`); `expires_in_days` defaults to 90, at most `TESSERA_ACCESS_TOKEN_MAX_DAYS`. At most 50 live tokens (409). A personal access token cannot call this route.",
        params: UserIdParams,
        body: CreatePersonalTokenRequest,
        response: { 201: CreatedPersonalToken, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { record, token } = await createPersonalToken(
        ctx,
        currentUser(request),
        request.params.id,
        request.body,
        requestMeta(request),
      );
      return reply.code(201).send({
        id: record.id,
        name: record.name,
        token,
        scopes: record.scopes,
        created_at: record.createdAt.toISOString(),
        expires_at: record.expiresAt.toISOString(),
      });
    },
  );

  app.get(
    "/users/:id/tokens",
    {
      schema: {
        tags: ["tokens"],
        summary: "A user's live personal access tokens, newest first (self or admin)",
        description:
          "Never the secret. `last_used_at` and `last_used_address` are written at most once a minute.",
        params: UserIdParams,
        response: { 200: PersonalTokenList, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) =>
      (await listPersonalTokens(ctx, currentUser(request), request.params.id)).map(viewOf),
  );

  app.delete(
    "/users/:id/tokens/:token_id",
    {
      schema: {
        tags: ["tokens"],
        summary: "Revoke a personal access token (self, or an admin for a non-admin)",
        description:
          "Refused by every instance within a second. 404 for an id that is not a live token of this user.",
        params: PersonalTokenParams,
        response: { 200: OkResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      await revokePersonalToken(
        ctx,
        currentUser(request),
        request.params.id,
        request.params.token_id,
        requestMeta(request),
      );
      return { ok: true };
    },
  );
};
