import type { ServiceContext } from "../../services/context.js";
import type { Readiness } from "../tessera.js";
import type { SecondFactorProvider } from "../../services/sign-in/login.js";
import type { SessionCookieOptions } from "../cookie.js";

/** What every route group receives from the plugin. */
export interface RouteOptions {
  ctx: ServiceContext;
  cookie: SessionCookieOptions;
  /** Origins allowed to post credentials (login CSRF). */
  allowedOrigins: readonly string[];
  /** Checks the database (and Redis) for `/readyz`. */
  readiness(): Promise<Readiness>;
  /** Passkeys as a second factor, when enabled. */
  webauthn?: SecondFactorProvider;
}
