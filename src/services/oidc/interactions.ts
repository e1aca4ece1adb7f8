/**
 * What happens when the provider sends a person to Tessera (an interaction): Tessera decides
 * from the interaction and the request's Tessera session whether the person must sign in,
 * authenticate again, add a second factor or consent, or whether the interaction is done.
 * Signing in is Tessera's own sign-in page with everything it enforces (second factors,
 * passkeys, recovery codes, mandatory 2FA, locks, verified addresses, the throttle).
 *
 * - `prompt=login` (and `max_age=0`) wants an authentication newer than the one the session had
 *   when the browser arrived; `max_age` one newer than that many seconds: both use the
 *   re-authentication flow.
 * - `acr_values` with `ACR_SECOND_FACTOR` wants a session with a second factor.
 * - Consent: a first-party client gets what it asks for; a third-party client gets what the
 *   person granted it before, and asks for the rest on the consent page. Never skipped.
 */
import type Provider from "oidc-provider";
import type { Grant, InteractionResults, KoaContextWithOIDC } from "oidc-provider";
import { SECOND_MS } from "../../core/clock.js";
import { addOidcConsentScopes, getOidcConsentScopes } from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { AUTH_BEFORE_FIELD } from "./patches.js";
import { SECOND_FACTOR_REASON } from "./policy.js";
import { OIDC_SCOPES } from "./accounts.js";
import { FIRST_PARTY } from "./client-metadata.js";
import { hasSecondFactor, oidcAcr, oidcAmr, type OidcTesseraSession } from "./request-session.js";

type Interaction = Awaited<ReturnType<Provider["interactionDetails"]>>;

/** What the interaction route does next. */
export type InteractionStep =
  | { kind: "sign-in" }
  | { kind: "enrol-second-factor" }
  | { kind: "reauthenticate"; secondFactor: boolean }
  | { kind: "consent"; scopes: string[] }
  | { kind: "done"; result: InteractionResults };

/** The scopes of a request that Tessera offers. */
function requestedScopes(scope: unknown): string[] {
  if (typeof scope !== "string") return [];
  return [...new Set(scope.split(" ").filter((s) => OIDC_SCOPES.includes(s)))];
}

/** The login of a Tessera session, as the provider records it. */
function loginOf(session: OidcTesseraSession): InteractionResults["login"] {
  return {
    accountId: session.userId,
    ts: Math.floor(session.authTimeMs / SECOND_MS),
    amr: oidcAmr(session.amr),
    acr: oidcAcr(session.amr),
    remember: true,
  };
}

/**
 * When the browser first came to the interaction, how recently its Tessera session had
 * authenticated (0: it had none); stored in the interaction then (patches.ts, change 6).
 * `prompt=login` (and `max_age=0`, which the provider turns into it) wants an authentication
 * newer than that: the interaction's `iat`, in whole seconds, would take one from the same
 * second before the request for a fresh one.
 */
async function authenticatedBefore(
  interaction: Interaction,
  session: OidcTesseraSession | null,
): Promise<number> {
  const fields = interaction as unknown as Record<string, unknown>;
  const stored = fields[AUTH_BEFORE_FIELD];
  if (typeof stored === "number") return stored;
  const before = session?.authTimeMs ?? 0;
  fields[AUTH_BEFORE_FIELD] = before;
  await interaction.persist();
  return before;
}

/** Decides the next step of a login prompt. */
async function loginStep(
  ctx: ServiceContext,
  interaction: Interaction,
  session: OidcTesseraSession | null,
): Promise<InteractionStep> {
  const prompt = typeof interaction.params.prompt === "string" ? interaction.params.prompt : "";
  const loginAsked = prompt.split(" ").includes("login");
  const before = loginAsked ? await authenticatedBefore(interaction, session) : 0;
  if (session === null || session.owes === "password_change") return { kind: "sign-in" };
  if (session.owes === "two_fa_enrolment") return { kind: "enrol-second-factor" };
  const { reasons } = interaction.prompt;
  const fresh = (sinceMs: number) => session.authTimeMs >= sinceMs;
  if (loginAsked && session.authTimeMs <= before) {
    return { kind: "reauthenticate", secondFactor: false };
  }
  const maxAge = Number(interaction.params.max_age);
  if (Number.isSafeInteger(maxAge) && maxAge >= 0 && !fresh(ctx.clock() - maxAge * SECOND_MS)) {
    return { kind: "reauthenticate", secondFactor: false };
  }
  if (reasons.includes(SECOND_FACTOR_REASON) && !hasSecondFactor(session.amr)) {
    return { kind: "reauthenticate", secondFactor: true };
  }
  return { kind: "done", result: { login: loginOf(session) } };
}

/**
 * The next step of an interaction for the request's Tessera session. A consent prompt for
 * another person than the session's (the session changed hands since) starts over at sign-in.
 */
export async function nextInteractionStep(
  ctx: ServiceContext,
  provider: Provider,
  interaction: Interaction,
  session: OidcTesseraSession | null,
): Promise<InteractionStep> {
  if (interaction.prompt.name === "login") return loginStep(ctx, interaction, session);
  if (session === null || session.userId !== interaction.session?.accountId) {
    return { kind: "sign-in" };
  }
  const client = await provider.Client.find(String(interaction.params.client_id));
  if (client === undefined) return { kind: "done", result: { error: "invalid_client" } };
  const missing = missingScopes(interaction);
  if (client.metadata()[FIRST_PARTY] === true || missing.length === 0) {
    const grantId = await grantScopes(provider, interaction, session.userId, missing);
    return { kind: "done", result: { consent: { grantId } } };
  }
  return { kind: "consent", scopes: missing };
}

/** The scopes the consent prompt asks for (oidc-provider's `missingOIDCScope`). */
export function missingScopes(interaction: Interaction): string[] {
  const details = interaction.prompt.details as { missingOIDCScope?: unknown };
  return Array.isArray(details.missingOIDCScope)
    ? details.missingOIDCScope.filter((s): s is string => typeof s === "string")
    : [];
}

/** Adds scopes (and the resource scopes asked for) to the interaction's grant; its id. */
async function grantScopes(
  provider: Provider,
  interaction: Interaction,
  accountId: string,
  scopes: readonly string[],
): Promise<string> {
  const clientId = String(interaction.params.client_id);
  let grant: Grant | undefined =
    interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId);
  grant ??= new provider.Grant({ accountId, clientId });
  if (scopes.length > 0) grant.addOIDCScope(scopes.join(" "));
  const details = interaction.prompt.details as {
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (details.missingOIDCClaims !== undefined) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [resource, resourceScopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, resourceScopes.join(" "));
  }
  return grant.save();
}

/**
 * The person's answer on the consent page: approve grants the asked scopes (remembered for the
 * next time), deny ends the request with `access_denied`. Audited either way.
 */
export async function answerConsent(
  ctx: ServiceContext,
  provider: Provider,
  interaction: Interaction,
  session: OidcTesseraSession,
  approve: boolean,
  meta: RequestMeta,
): Promise<InteractionResults> {
  const clientId = String(interaction.params.client_id);
  const scopes = missingScopes(interaction);
  if (!approve) {
    await audit(ctx, "oidc_consent_denied", {
      userId: session.userId,
      meta,
      detail: { client: clientId, scopes },
    });
    return { error: "access_denied", error_description: "The person did not give consent" };
  }
  const grantId = await grantScopes(provider, interaction, session.userId, scopes);
  await addOidcConsentScopes(ctx.db, session.userId, clientId, scopes, ctx.clock());
  await audit(ctx, "oidc_consent_given", {
    userId: session.userId,
    meta,
    detail: { client: clientId, scopes },
  });
  return { consent: { grantId } };
}

/**
 * oidc-provider's `loadExistingGrant`: the session's grant for the client, or one made from
 * what the person granted the client before (or, for a first-party client, from what it asks).
 * A new grant holds only scopes already consented; what is missing still prompts.
 */
export async function loadTesseraGrant(
  ctx: ServiceContext,
  kctx: KoaContextWithOIDC,
): Promise<Grant | undefined> {
  const { oidc } = kctx;
  const client = oidc.client!;
  const accountId = oidc.session?.accountId;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(client.clientId);
  if (grantId !== undefined) {
    const grant = await oidc.provider.Grant.find(grantId);
    if (grant !== undefined && grant.accountId === accountId) return grant;
  }
  if (accountId === undefined) return undefined;
  const asked = requestedScopes(oidc.params?.scope);
  const granted =
    client.metadata()[FIRST_PARTY] === true
      ? asked
      : (await getOidcConsentScopes(ctx.db, accountId, client.clientId)).filter((s) =>
          asked.includes(s),
        );
  if (granted.length === 0) return undefined;
  const grant = new oidc.provider.Grant({ accountId, clientId: client.clientId });
  grant.addOIDCScope(granted.join(" "));
  await grant.save();
  return grant;
}
