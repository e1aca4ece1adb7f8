/**
 * RP-initiated logout ends the Tessera session (issue 21 item 5, "sessions are one thing").
 * When the person confirms "Sign out" on the provider's logout page, the provider ends its own
 * session and sends the back-channel logout tokens of its clients; this post-middleware on the
 * provider then ends the Tessera session the request was bound to, with the same service as
 * `POST /logout` (recorded and audited as a sign-out), and clears the session cookie in the
 * provider's answer. Ending it announces the change (`sessionsChanged`): any other provider
 * session made from it ends too, with its logout tokens.
 *
 * Only a provider session that was this Tessera session's own counts (the route drops any
 * other before the provider sees it): a logout request for nobody, which the provider confirms
 * by itself, signs nobody out of Tessera. "Stay signed in" (no `logout`) ends only the
 * requesting client's part.
 */
import type Provider from "oidc-provider";
import type { KoaContextWithOIDC } from "oidc-provider";
import type { ServiceContext } from "../../services/context.js";
import { requestMetaOf, tesseraSessionOf } from "../../services/oidc/request-session.js";
import { logout } from "../../services/sessions/ending.js";

/** The provider's route name of the logout confirmation (its form posts there). */
const END_SESSION_CONFIRM = "end_session_confirm";

/** What the provider's session holds that this reads (set by services/oidc/patches.ts). */
interface EndedProviderSession {
  destroyed?: boolean;
  accountId?: string;
  tesseraSessionId?: string;
}

type Middleware = Parameters<Provider["use"]>[0];

/**
 * The provider's post-middleware: after a confirmed logout, ends the Tessera session and adds
 * `clearCookie` (a `Set-Cookie` value) to the answer.
 */
export function endTesseraSessionOnLogout(ctx: ServiceContext, clearCookie: string): Middleware {
  return async (context, next) => {
    await next();
    // Set by the provider's router for its own routes, absent on any other path.
    const kctx = context as Partial<KoaContextWithOIDC> & typeof context;
    if (kctx.oidc?.route !== END_SESSION_CONFIRM) return;
    const ended = kctx.oidc.session as unknown as EndedProviderSession | undefined;
    // Only a full logout (the "Sign out" button) destroys the provider session.
    if (ended?.destroyed !== true || ended.accountId === undefined) return;
    const tessera = tesseraSessionOf(kctx.req);
    if (
      tessera === null ||
      tessera.userId !== ended.accountId ||
      tessera.sessionId !== ended.tesseraSessionId
    ) {
      return;
    }
    const meta = { ...requestMetaOf(kctx.req), sessionId: tessera.sessionId };
    await logout(ctx, { userId: tessera.userId, sessionId: tessera.sessionId }, meta);
    kctx.append("Set-Cookie", clearCookie);
  };
}
