/**
 * Request bodies on Tessera's routes (issue 18 item 5): a route either requires a body (its
 * schema says so) or takes none. A route that takes none (no body schema, or an optional one
 * such as `EmptyBody`) accepts no body, an empty body sent with `Content-Type:
 * application/json` (many API clients send that header on every request, DELETE included:
 * Fastify's own parser calls it an error), and `{}`. Malformed JSON is still 400 `invalid_json`
 * everywhere, and an empty body where one is required too.
 */
import { KindGuard, type TSchema } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";

/** Whether a route's body schema asks for a body: present and not `Type.Optional`. */
export function isBodyRequired(schema: unknown): boolean {
  return schema !== undefined && schema !== null && !KindGuard.IsOptional(schema as TSchema);
}

function bodySchemaOf(request: FastifyRequest): unknown {
  return (request.routeOptions.schema as { body?: unknown } | undefined)?.body;
}

/**
 * Installs the JSON body rules on `routes` (Tessera's own context; a host app's routes keep
 * their parser): an empty JSON body is no body unless the route requires one, and a route with
 * an optional body schema sees `{}` for no body, so its validation and handler get an object.
 */
export function installRequestBodyRules(routes: FastifyInstance): void {
  // Fastify's JSON parser (prototype-poisoning checks included) for every non-empty body.
  const parseJson = routes.getDefaultJsonParser("error", "error");
  if (routes.hasContentTypeParser("application/json")) {
    routes.removeContentTypeParser("application/json");
  }
  routes.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body.length === 0 && !isBodyRequired(bodySchemaOf(request))) {
      done(null, undefined);
      return;
    }
    parseJson(request, body as string, done);
  });
  // Decided at registration: only the routes with an optional body schema get the step, so
  // the other requests (GET /me among them) run no hook for it.
  routes.addHook("onRoute", (route: RouteOptions) => {
    const schema = (route.schema as { body?: unknown } | undefined)?.body;
    if (schema === undefined || isBodyRequired(schema)) return;
    route.preValidation = [...[route.preValidation ?? []].flat(), emptyBodyAsObject];
  });
}

/** An optional body that was not sent is `{}` for validation and the handler. */
function emptyBodyAsObject(request: FastifyRequest, _reply: unknown, done: () => void): void {
  if (request.body === undefined) request.body = {};
  done();
}
