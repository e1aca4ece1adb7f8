/**
 * The Tessera Fastify plugin: the authentication middleware (global) and the seed's routes
 * (in their own context, with Tessera's JSON errors), over running parts made by
 * `createTessera`. Host apps register it; `buildApp` registers it for the standalone server.
 *
 *   const tessera = await createTessera(loadConfig(process.env, { publicUrl }));
 *   await app.register(tesseraPlugin, { tessera });
 *
 * `publicUrl` is the address people open (the default is the standalone server's,
 * `http://localhost:8000`); a host listening on another port with the default gets a warning.
 */
import cookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ServiceContext } from "../services/context.js";
import { createPasskeySecondFactor } from "../services/sign-in/passkey-second-factor.js";
import { authenticateSessionToken } from "../services/sessions/sessions.js";
import { createPersonalTokenAuthenticator } from "../services/personal-tokens/authenticate.js";
import { authentication, type AuthenticationOptions } from "./authentication.js";
import { setSessionCookie } from "./cookie.js";
import { installErrorHandler } from "./error-handler.js";
import { installMetrics } from "./metrics.js";
import { applyRoutePermissions } from "./route-permissions.js";
import { applyRoutePolicy } from "./route-policy.js";
import { applyTokenScopes } from "./token-scopes.js";
import { personalTokenRoutes } from "./routes/personal-tokens.js";
import type { RouterPathOptions } from "./router-path.js";
import { applicationRoutes } from "./routes/applications.js";
import { auditRoutes } from "./routes/audit.js";
import { emailRoutes } from "./routes/email.js";
import { invitationRoutes } from "./routes/invitations.js";
import { passkeyFirstRoutes } from "./routes/passkey-first.js";
import { signupRoutes } from "./routes/signup.js";
import { healthRoutes } from "./routes/health.js";
import { jwksRoutes } from "./routes/jwks.js";
import { loginRoutes } from "./routes/login.js";
import { mailRoutes } from "./routes/mail.js";
import { passwordRoutes } from "./routes/passwords.js";
import { recoveryCodeRoutes } from "./routes/recovery-codes.js";
import { reauthenticationRoutes } from "./routes/reauthentication.js";
import { roleRoutes } from "./routes/roles.js";
import { sessionRoutes } from "./routes/sessions.js";
import type { RouteOptions } from "./routes/route-options.js";
import { tokenRoutes } from "./routes/tokens.js";
import { totpRoutes } from "./routes/totp.js";
import { userRoutes } from "./routes/users.js";
import { upstreamRoutes } from "./routes/upstream.js";
import { webauthnRoutes } from "./routes/webauthn.js";
import { installPublicUrlCheck } from "./public-url-check.js";
import { installRequestBodyRules } from "./request-body.js";
import { installSecurityHeaders } from "./security-headers.js";
import type { Tessera } from "./tessera.js";

export interface TesseraPluginOptions {
  /** The running parts (`await createTessera(config)`). */
  tessera: Tessera;
  /** The seed's `AuthenticationMiddleware` options. */
  authentication?: AuthenticationOptions;
  /** The host's Fastify `routerOptions`, so exclusions see the path the router sees. */
  routerOptions?: RouterPathOptions;
  /**
   * Issue 23: the permissions the host's routes may name in `config.permissions`; a route
   * naming another throws at start-up. Default: any well-formed `resource:action`.
   */
  permissions?: readonly string[];
}

declare module "fastify" {
  interface FastifyInstance {
    /** The services context the routes use. */
    tessera: ServiceContext;
  }
}

async function tesseraPlugin(app: FastifyInstance, options: TesseraPluginOptions): Promise<void> {
  const { ctx, settings, passkeys } = options.tessera;
  app.decorate("tessera", ctx);
  if (!app.hasDecorator("parseCookie")) await app.register(cookie);
  // A host listening elsewhere than the default public URL is told at once (issue 18 item 3).
  installPublicUrlCheck(app, settings);

  await app.register(authentication, {
    ...options.authentication,
    allowedOrigins: settings.allowedOrigins,
    ...(options.routerOptions === undefined ? {} : { routerOptions: options.routerOptions }),
    authenticateToken: (token) => authenticateSessionToken(ctx, token),
    authenticatePersonalToken: createPersonalTokenAuthenticator(ctx),
    setCookie: (reply, renewed) =>
      setSessionCookie(reply, renewed.token, renewed.maxAgeSeconds, {
        secure: settings.secureCookie,
      }),
  });

  // Issue 23: a host route's `config.permissions`, checked against the user's roles.
  app.addHook("onRoute", applyRoutePermissions(ctx, options.permissions));

  const routeOptions: RouteOptions = {
    ctx,
    cookie: { secure: settings.secureCookie },
    allowedOrigins: settings.allowedOrigins,
    readiness: () => options.tessera.readiness(),
    webauthn: createPasskeySecondFactor(passkeys.rp, passkeys.challenges),
  };
  const { metrics } = options.tessera;
  const metricsRoute =
    settings.metrics.enabled && metrics !== undefined
      ? installMetrics(app, { metrics, ...settings.metrics })
      : undefined;
  await app.register(async (routes) => {
    installErrorHandler(routes);
    // Tessera's routes only (issue 14 item 7): nosniff, no-store, no referrer, HSTS on https;
    // a body that is not JSON is 415 whatever the host app accepts elsewhere.
    installSecurityHeaders(routes, { publicUrl: settings.publicUrl });
    if (routes.hasContentTypeParser("text/plain")) routes.removeContentTypeParser("text/plain");
    // A route that takes no body accepts none, an empty JSON one, and `{}` (issue 18 item 5).
    installRequestBodyRules(routes);
    metricsRoute?.(routes);
    // Issue 11: which routes a user who owes a second factor may call, which need a recent
    // authentication (one table, src/http/route-policy.ts).
    routes.addHook("onRoute", applyRoutePolicy(ctx));
    // Issue 23: the scope a personal access token needs on each route (src/http/token-scopes.ts).
    routes.addHook("onRoute", applyTokenScopes);
    await routes.register(healthRoutes, routeOptions);
    await routes.register(jwksRoutes, {
      ...routeOptions,
      signingKeys: options.tessera.signingKeys,
      oidcKeys: options.tessera.oidcKeys,
    });
    await routes.register(loginRoutes, routeOptions);
    await routes.register(sessionRoutes, routeOptions);
    await routes.register(userRoutes, routeOptions);
    await routes.register(passwordRoutes, routeOptions);
    await routes.register(mailRoutes, routeOptions);
    await routes.register(totpRoutes, routeOptions);
    await routes.register(recoveryCodeRoutes, routeOptions);
    await routes.register(webauthnRoutes, { ...routeOptions, ...passkeys });
    await routes.register(auditRoutes, routeOptions);
    await routes.register(reauthenticationRoutes, { ...routeOptions, ...passkeys });
    await routes.register(emailRoutes, routeOptions);
    await routes.register(invitationRoutes, routeOptions);
    await routes.register(signupRoutes, routeOptions);
    await routes.register(personalTokenRoutes, routeOptions);
    await routes.register(roleRoutes, routeOptions);
    await routes.register(passkeyFirstRoutes, { ...routeOptions, ...passkeys });
    await routes.register(applicationRoutes, { ...routeOptions, oidc: options.tessera.oidc });
    // Issue 22: sign-in through upstream providers.
    const { upstream } = options.tessera;
    if (upstream !== undefined)
      await routes.register(upstreamRoutes, { ...routeOptions, upstream });
    await routes.register(tokenRoutes, {
      ...routeOptions,
      accessTokens: {
        issuer: settings.publicUrl,
        audience: settings.tokenAudience,
        minutes: settings.accessTokenMinutes,
      },
      introspectionSecret: settings.introspectionSecret,
    });
  });
}

/** The Tessera plugin (`fastify-plugin`, name `tessera`). */
export const tessera = fp(tesseraPlugin, { name: "tessera", fastify: "5.x" });
