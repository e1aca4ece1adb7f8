/**
 * Applications (issue 21 items 4 and 6): `GET /me/applications` and
 * `DELETE /me/applications/{client_id}` (the signed-in person's apps with access, and revoking
 * one); `GET /applications`, `POST /applications`, `DELETE /applications/{client_id}` and
 * `POST /applications/{client_id}/secret` (the registered OpenID Connect clients, admin only).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import {
  ApplicationAccessList,
  ApplicationList,
  ApplicationSecret,
  ClientIdParams,
  CreateApplicationRequest,
  CreatedApplication,
} from "../../contract/index.js";
import { ClientError } from "../../core/errors.js";
import {
  addOidcClientAsAdmin,
  listOidcClientsAsAdmin,
  removeOidcClientAsAdmin,
  rotateOidcClientSecretAsAdmin,
} from "../../services/oidc/admin-clients.js";
import { applicationViewOf as applicationView } from "../../services/oidc/clients.js";
import {
  listOidcApplicationsOf,
  revokeOidcApplicationAccess,
} from "../../services/oidc/consents.js";
import type { OidcRuntime } from "../../services/oidc/running.js";
import { actorOf, currentUser, requestMeta } from "../request-meta.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export interface ApplicationRoutesOptions extends RouteOptions {
  /** The running provider (absent with `TESSERA_OIDC=false`): Redis codes, back-channel logout. */
  oidc?: OidcRuntime | undefined;
}

const NoContent = Type.Null({ description: "Done; no body" });

/** The service names the metadata field (`client_name`); the body calls it `name`. */
async function withBodyFieldNames<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ClientError && error.extra?.field === "client_name") {
      throw new ClientError(error.detail, {
        code: "validation_error",
        extra: { ...error.extra, field: "name" },
      });
    }
    throw error;
  }
}

export const applicationRoutes: FastifyPluginAsyncTypebox<ApplicationRoutesOptions> = async (
  app,
  options,
) => {
  const { ctx } = options;

  app.get(
    "/me/applications",
    {
      schema: {
        tags: ["applications"],
        summary: "The apps with access to the signed-in person's account, most recent first",
        description:
          "Every app the person consented to, and every first-party app they hold a live grant for: `client_id`, `name`, `first_party`, `scopes`, `granted_at`.",
        response: { 200: ApplicationAccessList, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const applications = await listOidcApplicationsOf(ctx, currentUser(request).id);
      return applications.map((application) => ({
        client_id: application.clientId,
        name: application.name,
        first_party: application.firstParty,
        scopes: application.scopes,
        granted_at: application.grantedAt.toISOString(),
      }));
    },
  );

  app.delete(
    "/me/applications/:client_id",
    {
      schema: {
        tags: ["applications"],
        summary: "Revoke an app's access to the signed-in person's account",
        description:
          "Forgets the consent and ends every grant of the app for this person: its refresh and access tokens stop working at once, its sessions of the person end (a back-channel logout when it registered a URI). A third-party app asks for consent again next time. 404 `not_found` when the app has no access.",
        params: ClientIdParams,
        response: { 204: NoContent, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const provider = options.oidc?.current();
      await revokeOidcApplicationAccess(ctx, currentUser(request).id, request.params.client_id, {
        meta: requestMeta(request),
        ...(provider === undefined ? {} : { provider }),
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/applications",
    {
      schema: {
        tags: ["applications"],
        summary: "The registered applications (OpenID Connect clients), oldest first (admin)",
        description: "Never a secret. Others get 403 `permission_denied`.",
        response: { 200: ApplicationList, ...errorResponses(401, 403) },
      },
    },
    async (request) => (await listOidcClientsAsAdmin(ctx, actorOf(request))).map(applicationView),
  );

  app.post(
    "/applications",
    {
      schema: {
        tags: ["applications"],
        summary: "Register an application (admin): its client id, and its secret shown this once",
        description:
          "What `tessera clients add` takes: `{ name, redirect_uris?, public?, first_party?, post_logout_redirect_uris?, backchannel_logout_uri?, grant_types? }`. A public app has no secret. A refused registration is 400 `validation_error` with `extra.field` naming the field.",
        body: CreateApplicationRequest,
        response: { 201: CreatedApplication, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const added = await withBodyFieldNames(() =>
        addOidcClientAsAdmin(
          ctx,
          actorOf(request),
          {
            name: body.name,
            redirectUris: body.redirect_uris ?? [],
            public: body.public === true,
            firstParty: body.first_party === true,
            ...(body.post_logout_redirect_uris === undefined
              ? {}
              : { postLogoutRedirectUris: body.post_logout_redirect_uris }),
            ...(body.backchannel_logout_uri === undefined
              ? {}
              : { backchannelLogoutUri: body.backchannel_logout_uri }),
            ...(body.grant_types === undefined ? {} : { grants: body.grant_types }),
          },
          requestMeta(request),
        ),
      );
      return reply.code(201).send({
        ...applicationView(added.client),
        ...(added.clientSecret === undefined ? {} : { client_secret: added.clientSecret }),
      });
    },
  );

  app.delete(
    "/applications/:client_id",
    {
      schema: {
        tags: ["applications"],
        summary: "Remove an application (admin): its consents, grants and tokens go with it",
        params: ClientIdParams,
        response: { 204: NoContent, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await removeOidcClientAsAdmin(
        ctx,
        actorOf(request),
        request.params.client_id,
        requestMeta(request),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/applications/:client_id/secret",
    {
      schema: {
        tags: ["applications"],
        summary:
          "Give an application a new secret, shown this once (admin); the old one stops working",
        description: "400 `validation_error` for a public application, which has no secret.",
        params: ClientIdParams,
        response: { 200: ApplicationSecret, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const rotated = await rotateOidcClientSecretAsAdmin(
        ctx,
        actorOf(request),
        request.params.client_id,
        requestMeta(request),
      );
      return { client_id: rotated.clientId, client_secret: rotated.clientSecret };
    },
  );
};
