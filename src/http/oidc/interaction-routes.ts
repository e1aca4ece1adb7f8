/**
 * Tessera's side of the provider's interactions (issue 21 item 3): the provider sends the
 * browser to `GET /oidc/interaction/{uid}`; this route sends it on to Tessera's sign-in page (or
 * its re-authentication, or the second-factor set-up, or the consent page) and back here, until
 * the interaction is done and the browser returns to the provider.
 *
 * - `GET /oidc/interaction/{uid}`: the next step, as a 303 redirect.
 * - `GET /oidc/interaction/{uid}/details`: what the consent page shows (JSON): the client's
 *   name, whether Tessera's own, the scopes asked for, the signed-in person's name.
 * - `POST /oidc/interaction/{uid}/consent` `{ approve }`: the answer; `{ redirect_to }`.
 *
 * Each reads the Tessera session itself and needs the provider's interaction cookie, which only
 * the browser that started the interaction has; the consent must come from the person the
 * interaction signed in (another session, even of the same browser, gets `sign-in` again).
 */
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import { ClientError, NotAuthorizedError, NotFoundError } from "../../core/errors.js";
import type { ServiceContext } from "../../services/context.js";
import type { OidcRuntime } from "../../services/oidc/running.js";
import {
  answerConsent,
  missingScopes,
  nextInteractionStep,
} from "../../services/oidc/interactions.js";
import { FIRST_PARTY } from "../../services/oidc/client-metadata.js";
import { interactionPath } from "../../services/oidc/provider.js";
import { assertSameOrigin } from "../csrf.js";
import { requestMeta } from "../request-meta.js";
import { prepareProviderRequest } from "./provider-routes.js";

export interface InteractionRoutesOptions {
  readonly ctx: ServiceContext;
  readonly oidc: OidcRuntime;
  readonly allowedOrigins: readonly string[];
}

const Uid = Type.Object({ uid: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }) });
type Interaction = Awaited<ReturnType<Provider["interactionDetails"]>>;

async function detailsOf(
  provider: Provider,
  uid: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Interaction> {
  let interaction: Interaction;
  try {
    interaction = await provider.interactionDetails(request.raw, reply.raw);
  } catch {
    throw new NotFoundError(
      "This sign-in is unknown, finished or expired: start again from the app",
      {
        code: "interaction_expired",
      },
    );
  }
  if (interaction.uid !== uid) {
    throw new NotFoundError(
      "This sign-in is unknown, finished or expired: start again from the app",
      {
        code: "interaction_expired",
      },
    );
  }
  return interaction;
}

/** Where the sign-in page sends the browser back to. */
function signInUrl(uid: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ next: interactionPath(uid), ...extra });
  return `/?${query.toString()}`;
}

export const interactionRoutes: FastifyPluginAsyncTypebox<InteractionRoutesOptions> = async (
  app,
  options,
) => {
  const { ctx, oidc } = options;
  const config = { excludeFromAuth: true };

  app.get(
    "/oidc/interaction/:uid",
    { config, schema: { hide: true, params: Uid } },
    async (request, reply) => {
      const provider = oidc.current();
      const session = await prepareProviderRequest(request, ctx, provider);
      const interaction = await detailsOf(provider, request.params.uid, request, reply);
      const uid = interaction.uid;
      const step = await nextInteractionStep(ctx, provider, interaction, session);
      void reply.header("cache-control", "no-store");
      switch (step.kind) {
        case "sign-in":
          return reply.redirect(signInUrl(uid), 303);
        case "reauthenticate":
          return reply.redirect(
            signInUrl(uid, { reauthenticate: step.secondFactor ? "second-factor" : "any" }),
            303,
          );
        case "enrol-second-factor":
          return reply.redirect(
            `/account?${new URLSearchParams({ next: interactionPath(uid) })}`,
            303,
          );
        case "consent":
          return reply.redirect(`/consent?${new URLSearchParams({ interaction: uid })}`, 303);
        case "done": {
          const to = await provider.interactionResult(request.raw, reply.raw, step.result, {
            mergeWithLastSubmission: true,
          });
          return reply.redirect(to, 303);
        }
      }
    },
  );

  app.get(
    "/oidc/interaction/:uid/details",
    {
      config,
      schema: {
        hide: true,
        params: Uid,
      },
    },
    async (request, reply) => {
      const provider = oidc.current();
      const session = await prepareProviderRequest(request, ctx, provider);
      const interaction = await detailsOf(provider, request.params.uid, request, reply);
      if (session === null || session.userId !== interaction.session?.accountId) {
        throw new NotAuthorizedError("Sign in first");
      }
      const client = await provider.Client.find(String(interaction.params.client_id));
      if (client === undefined) throw new NotFoundError("No such application");
      void reply.header("cache-control", "no-store");
      return {
        prompt: interaction.prompt.name,
        client: {
          client_id: client.clientId,
          name: client.clientName ?? client.clientId,
          first_party: client.metadata()[FIRST_PARTY] === true,
        },
        scopes: missingScopes(interaction),
      };
    },
  );

  app.post(
    "/oidc/interaction/:uid/consent",
    {
      config,
      schema: {
        hide: true,
        params: Uid,
        body: Type.Object({ approve: Type.Boolean() }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      assertSameOrigin(request, options.allowedOrigins);
      const provider = oidc.current();
      const session = await prepareProviderRequest(request, ctx, provider);
      const interaction = await detailsOf(provider, request.params.uid, request, reply);
      if (session === null || session.userId !== interaction.session?.accountId) {
        throw new NotAuthorizedError("Sign in first");
      }
      if (interaction.prompt.name !== "consent") {
        throw new ClientError("This sign-in does not ask for consent now", {
          code: "validation_error",
        });
      }
      const result = await answerConsent(
        ctx,
        provider,
        interaction,
        session,
        request.body.approve,
        requestMeta(request),
      );
      const to = await provider.interactionResult(request.raw, reply.raw, result, {
        mergeWithLastSubmission: true,
      });
      void reply.header("cache-control", "no-store");
      return { redirect_to: to };
    },
  );
};
