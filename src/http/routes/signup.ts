/** Self-service sign-up (issue 12, part 5): `POST /signup`, answered 404 unless `TESSERA_SIGNUP=open`. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { AcceptedResponse, SignupRequest } from "../../contract/index.js";
import { signUp } from "../../services/account/signup.js";
import { assertSameOrigin } from "../csrf.js";
import { requestMeta } from "../request-meta.js";
import { errorResponses } from "../schemas.js";
import { registerAddressRateLimit } from "../address-rate-limit.js";
import { MAIL_REQUESTS_PER_MINUTE } from "./email.js";
import type { RouteOptions } from "./route-options.js";

export const signupRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx } = options;
  await registerAddressRateLimit(app);

  app.post(
    "/signup",
    {
      config: {
        excludeFromAuth: true,
        rateLimit: { max: MAIL_REQUESTS_PER_MINUTE, timeWindow: 60_000 },
      },
      schema: {
        tags: ["signup"],
        summary: "Create an account (when TESSERA_SIGNUP=open); its address must be verified first",
        description:
          "Always 202 once the name, address and password pass their rules, whether or not the name or address is taken: the mail tells the address's owner. At most 3 an hour per address and 20 a minute per client network. 404 when sign-up is off.",
        body: SignupRequest,
        response: { 202: AcceptedResponse, ...errorResponses(400, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      assertSameOrigin(request, options.allowedOrigins);
      await signUp(ctx, request.body, requestMeta(request));
      return reply.code(202).send({ ok: true });
    },
  );
};
