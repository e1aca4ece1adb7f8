/**
 * The Tessera Fastify plugin: the authentication middleware (global) and the seed's routes
 * (in their own context, with Tessera's JSON errors). Host apps register it with their own
 * database and settings; `buildApp` registers it for the standalone server.
 */
import cookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { systemClock, type Clock } from "../core/clock.js";
import type { ServiceContext, ServiceSettings } from "../services/context.js";
import { createPasskeySecondFactor } from "../services/passkeys/index.js";
import type { RelyingParty } from "../core/webauthn/index.js";
import type { ChallengeStore } from "../store/challenge-store.js";
import { toPublicUser } from "../services/users-view.js";
import type { LoginThrottle } from "../services/rate-limit/index.js";
import { getUserById, pingDatabase, type TesseraDatabase } from "../store/index.js";
import { authentication, type AuthenticationOptions } from "./authentication.js";
import type { SessionCookieOptions } from "./cookie.js";
import { installErrorHandler } from "./error-handler.js";
import type { RouterPathOptions } from "./router-path.js";
import { healthRoutes } from "./routes/health.js";
import { loginRoutes } from "./routes/login.js";
import { passwordRoutes } from "./routes/passwords.js";
import type { RouteOptions } from "./routes/route-options.js";
import { totpRoutes } from "./routes/totp.js";
import { userRoutes } from "./routes/users.js";
import { webauthnRoutes } from "./routes/webauthn.js";

export interface TesseraPluginOptions {
  database: TesseraDatabase;
  settings: ServiceSettings;
  throttle: LoginThrottle;
  cookie: SessionCookieOptions;
  /** Origins whose cookie-authenticated writes (and logins) are accepted. */
  allowedOrigins: readonly string[];
  /** The seed's `AuthenticationMiddleware` options. */
  authentication?: AuthenticationOptions;
  /** The host's Fastify `routerOptions`, so exclusions see the path the router sees. */
  routerOptions?: RouterPathOptions;
  /** Passkeys (second factor and passwordless): the relying party and where challenges live. */
  webauthn?: { rp: RelyingParty; challenges: ChallengeStore };
  clock?: Clock;
}

declare module "fastify" {
  interface FastifyInstance {
    /** The services context the routes use. */
    tessera: ServiceContext;
  }
}

async function tesseraPlugin(app: FastifyInstance, options: TesseraPluginOptions): Promise<void> {
  const clock = options.clock ?? systemClock;
  const ctx: ServiceContext = {
    db: options.database.db,
    settings: options.settings,
    clock,
    throttle: options.throttle,
  };
  app.decorate("tessera", ctx);
  if (!app.hasDecorator("parseCookie")) await app.register(cookie);

  await app.register(authentication, {
    ...options.authentication,
    keys: options.settings.jwtKeys,
    allowedOrigins: options.allowedOrigins,
    clock,
    ...(options.routerOptions === undefined ? {} : { routerOptions: options.routerOptions }),
    loadUser: async (id) => {
      const user = await getUserById(ctx.db, id);
      return user === undefined ? undefined : toPublicUser(user);
    },
  });

  const routeOptions: RouteOptions = {
    ctx,
    cookie: options.cookie,
    allowedOrigins: options.allowedOrigins,
    ping: () => pingDatabase(ctx.db),
    ...(options.webauthn === undefined
      ? {}
      : { webauthn: createPasskeySecondFactor(options.webauthn.rp, options.webauthn.challenges) }),
  };
  await app.register(async (routes) => {
    installErrorHandler(routes);
    await routes.register(healthRoutes, routeOptions);
    await routes.register(loginRoutes, routeOptions);
    await routes.register(userRoutes, routeOptions);
    await routes.register(passwordRoutes, routeOptions);
    await routes.register(totpRoutes, routeOptions);
    if (options.webauthn !== undefined) {
      await routes.register(webauthnRoutes, { ...routeOptions, ...options.webauthn });
    }
  });
}

/** The Tessera plugin (`fastify-plugin`, name `tessera`). */
export const tessera = fp(tesseraPlugin, { name: "tessera", fastify: "5.x" });
