/**
 * The security policy of Tessera's own routes in one table (issue 11 items 3 and 4): which
 * routes a user who owes a second factor may call, and which need a recent authentication.
 * An `onRoute` hook copies each row into its route's `config` (`applyRoutePolicy`); the
 * authentication middleware enforces the first, a `preValidation` hook of the route the
 * second. A route absent from the table is closed to a user who owes a second factor and needs
 * no re-authentication. A test holds every row against a registered route.
 */
import type { FastifyRequest, RouteOptions } from "fastify";
import type { ServiceContext } from "../services/context.js";
import { assertRecentAuthentication } from "../services/sign-in/reauthentication.js";
import { currentUser } from "./request-meta.js";

/** What a row says about a route. */
export interface RoutePolicy {
  /**
   * A user `TESSERA_REQUIRE_2FA` covers who has neither TOTP nor a passkey may call it (on a
   * `/users/{id}/…` route only with their own id); elsewhere 403 `two_fa_enrolment_required`.
   */
  readonly duringEnrolment?: true;
  /**
   * Needs an authentication of this session within `TESSERA_REAUTHENTICATION_MINUTES`, else 403
   * `reauthentication_required`. The session checked is the caller's: an admin acting on another
   * user's factors needs their own recent authentication.
   */
  readonly recentAuthentication?: true;
}

/** `"METHOD /url"` (the router's pattern) → its policy. */
export const ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = Object.freeze({
  // Who am I (the pages read `two_fa_enrolment_required` here), and signing out.
  "GET /me": { duringEnrolment: true },
  "POST /logout": { duringEnrolment: true },
  "POST /logout/all": { duringEnrolment: true, recentAuthentication: true },
  "POST /users/:id/sessions/end-others": { recentAuthentication: true },
  // The password change (a forced one at first sign-in ends here too) and its strength meter;
  // changing one's own password asks for the old one, which counts as the re-authentication.
  "PATCH /users/:id/password/change": { duringEnrolment: true },
  // A first password for an account without one (issue 24): no old one to ask for.
  "POST /users/:id/password/set": { recentAuthentication: true },
  "POST /password/strength": { duringEnrolment: true },
  // The language picker is on every page, the enrolment and password pages included.
  "PATCH /users/:id/locale": { duringEnrolment: true },
  // Re-authentication itself: enrolment routes need it once the sign-in is older than the window.
  "POST /reauthenticate/options": { duringEnrolment: true },
  "POST /reauthenticate": { duringEnrolment: true },
  // Factors: enrolment is open to a user who owes one; every change needs a recent authentication.
  "POST /users/:id/2fa/totp/setup": { duringEnrolment: true, recentAuthentication: true },
  "POST /users/:id/2fa/totp/confirm": { duringEnrolment: true, recentAuthentication: true },
  "POST /users/:id/2fa/totp/disable": { recentAuthentication: true },
  "POST /users/:id/2fa/webauthn/register/options": {
    duringEnrolment: true,
    recentAuthentication: true,
  },
  "POST /users/:id/2fa/webauthn/register/verify": {
    duringEnrolment: true,
    recentAuthentication: true,
  },
  // A new set of recovery codes ends the old one and is recovery data (ASVS V6.4.5): re-authenticate.
  "POST /users/:id/2fa/recovery-codes": { recentAuthentication: true },
  // The address is where reset links go: changing it is a change of recovery channel.
  "PATCH /users/:id/email": { recentAuthentication: true },
  // Reading one's own address (the account page shows it during enrolment too).
  "GET /users/:id/email": { duringEnrolment: true },
  // Renaming a passkey changes no factor: no re-authentication.
  "DELETE /users/:id/2fa/webauthn/:credential_id": { recentAuthentication: true },
  // A personal access token acts for the user without them (issue 23): making one is sensitive.
  "POST /users/:id/tokens": { recentAuthentication: true },
  // Applications (OpenID Connect clients): registering one (a first-party one signs anyone in
  // without asking), removing one and replacing its secret are an admin's sensitive writes.
  // A person revoking an app's access only takes access away, as ending one session: no
  // re-authentication.
  "POST /applications": { recentAuthentication: true },
  "DELETE /applications/:client_id": { recentAuthentication: true },
  "POST /applications/:client_id/secret": { recentAuthentication: true },
  // Roles (issue 23): what a role grants and who holds it decide what apps let people do.
  "POST /roles": { recentAuthentication: true },
  "PATCH /roles/:name": { recentAuthentication: true },
  "DELETE /roles/:name": { recentAuthentication: true },
  "PUT /users/:id/roles": { recentAuthentication: true },
  // Issue 22: linking a provider adds a way in (as a factor does); unlinking takes one away.
  "POST /me/linked-sign-ins/:id": { recentAuthentication: true },
});

declare module "fastify" {
  interface FastifyContextConfig {
    /** Set from ROUTE_POLICIES: open to a user who owes a second factor. */
    allowDuringEnrolment?: boolean;
    /** Set from ROUTE_POLICIES: needs a recent authentication of this session. */
    requireRecentAuthentication?: boolean;
  }
}

/** The table's row of a route (HEAD follows GET), or undefined. */
export function routePolicyOf(method: string, url: string): RoutePolicy | undefined {
  return ROUTE_POLICIES[`${method === "HEAD" ? "GET" : method} ${url}`];
}

/**
 * `onRoute` hook: copies the route's row into its `config`, and gives a route that needs a
 * recent authentication its check as a `preValidation` hook of that route alone (before the
 * body is validated: a client re-authenticates, then sends the same request again). Decided
 * once per route at start-up, so the other routes run nothing for it per request.
 */
export function applyRoutePolicy(ctx: ServiceContext): (route: RouteOptions) => void {
  const checkRecent = requireRecentAuthentication(ctx);
  return (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const policy = routePolicyOf(String(methods[0]), route.url);
    if (policy === undefined) return;
    route.config = {
      ...route.config,
      ...(policy.duringEnrolment === true ? { allowDuringEnrolment: true } : {}),
      ...(policy.recentAuthentication === true ? { requireRecentAuthentication: true } : {}),
    };
    if (policy.recentAuthentication === true) {
      const own = route.preValidation ?? [];
      route.preValidation = [...(Array.isArray(own) ? own : [own]), checkRecent];
    }
  };
}

/** The check of a route flagged `requireRecentAuthentication`: refused without one. */
function requireRecentAuthentication(
  ctx: ServiceContext,
): (request: FastifyRequest) => Promise<void> {
  // Named: a route's hooks tell it apart from its other preValidation steps (and its test does).
  return async function recentAuthenticationCheck(request) {
    await assertRecentAuthentication(ctx, {
      user: currentUser(request),
      sessionId: request.auth?.sessionId ?? null,
    });
  };
}
