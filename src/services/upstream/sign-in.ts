/**
 * The upstream sign-in (issue 22 items 2 and 4): `startUpstreamSignIn` sends the browser to
 * the provider (authorization code with PKCE S256, `state` and `nonce`, sealed in a cookie and
 * single use); `finishUpstreamSignIn` checks the callback (discovery.ts) and decides who is
 * who (linking.ts). Everything local still applies afterwards, as for a password: the
 * throttle, a lock, the verified-address rule, and the second factor of a user who has one
 * (given on Tessera's page, `completeUpstreamSecondFactor`, through login's own
 * `verifySecondFactor`), unless the provider is trusted for it (`--trust-upstream-mfa`) and
 * its `amr`/`acr` says the person gave several factors there. The session's `amr` is `fed`
 * plus the upstream's methods. Refusals are audited with their reason.
 */
import { createHash, randomBytes } from "node:crypto";
import { accountLockedError, isAccountLocked } from "../../core/account-lock.js";
import { isTesseraError, NotFoundError, ClientError } from "../../core/errors.js";
import {
  findAccountIdsByEmail,
  findLinkedIdentity,
  getUserById,
  touchLinkedIdentity,
  type User,
} from "../../store/index.js";
import { assertEmailVerifiedForSignIn } from "../account/email-verification.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import {
  UPSTREAM_AUTHENTICATION_METHODS,
  type AuthenticationMethod,
} from "../sessions/sessions.js";
import { verifyDeviceToken } from "../sign-in/device-cookie.js";
import { completeLogin, type LoginResult, type SecondFactorProvider } from "../sign-in/login.js";
import { UpstreamResponseError } from "./errors.js";
import {
  FLOW_PURPOSE,
  PENDING_PURPOSE,
  openFlow,
  sealFlow,
  sealPending,
  type PendingState,
} from "./flow-state.js";
import { acceptInvitationThroughProvider, assertInvitation } from "./invitation.js";
import {
  accountNotFound,
  createFederatedAccount,
  decideFirstSignIn,
  linkIdentity,
} from "./linking.js";
import { callbackUrlOf } from "./providers.js";
import {
  UPSTREAM_FLOW_TTL_MS,
  UPSTREAM_PENDING_TTL_MS,
  type UpstreamDependencies,
  type UpstreamIdentity,
  type UpstreamProvider,
} from "./types.js";

/** OpenID PAPE's multi-factor policy: an `acr` that says several factors were given. */
export const MULTI_FACTOR_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/** How a finished callback ended. */
export type UpstreamOutcome =
  | { readonly kind: "signed_in"; readonly result: LoginResult }
  | { readonly kind: "linked"; readonly userId: string }
  | { readonly kind: "pending"; readonly pending: PendingState["kind"]; readonly cookie: string };

function keysOf(deps: UpstreamDependencies): Buffer[] {
  return [deps.keyEncryptionKey, ...deps.previousKeyEncryptionKeys];
}

function flowInvalid(): ClientError {
  return new ClientError("This sign-in is unknown, expired or already used: start again", {
    code: "upstream_flow_invalid",
  });
}

/**
 * The redirect upstream and the sealed flow for its cookie. `linkUserId`: a signed-in person
 * linking the provider from the account page; `invitationToken`: an invitation accepted
 * through the provider (invitation.ts; checked here, used up at the callback).
 * @throws NotFoundError for an unknown provider; ClientError `invalid_email_token` for a dead
 *   invitation; InternalError `service_unavailable` when the upstream's discovery fails.
 */
export async function startUpstreamSignIn(
  ctx: ServiceContext,
  deps: UpstreamDependencies,
  providerId: string,
  linkUserId: string | null,
  invitationToken: string | null = null,
): Promise<{ url: string; flowCookie: string }> {
  const provider = (await deps.registry.list()).find((p) => p.id === providerId);
  if (provider === undefined) throw new NotFoundError("No such sign-in provider");
  if (invitationToken !== null) await assertInvitation(ctx, invitationToken);
  const nowMs = ctx.clock();
  const state = randomBytes(32).toString("base64url");
  const nonce = randomBytes(32).toString("base64url");
  const codeVerifier = randomBytes(32).toString("base64url");
  // RFC 7636 §4.2: S256, BASE64URL(SHA256(ASCII(code_verifier))).
  const codeChallenge = createHash("sha256").update(codeVerifier).digest("base64url");
  const url = await deps.clients.authorizationUrl(provider, {
    redirectUri: callbackUrlOf(deps.publicUrl, provider.id),
    state,
    nonce,
    codeChallenge,
  });
  await deps.challenges.put(
    { userId: linkUserId, purpose: FLOW_PURPOSE, challenge: state },
    UPSTREAM_FLOW_TTL_MS,
    nowMs,
  );
  const flowCookie = sealFlow(deps.keyEncryptionKey, {
    providerId,
    state,
    nonce,
    codeVerifier,
    expiresAtMs: nowMs + UPSTREAM_FLOW_TTL_MS,
    linkUserId,
    invitationToken,
  });
  return { url: url.href, flowCookie };
}

/** The reason a refusal is audited with. */
function reasonOf(error: unknown): string {
  if (error instanceof UpstreamResponseError) return error.reason;
  if (isTesseraError(error)) return error.code;
  return "internal";
}

/** Runs `work`; a refusal is audited (`upstream_sign_in_refused`) before it is thrown. */
export async function audited<T>(
  ctx: ServiceContext,
  providerId: string,
  meta: RequestMeta,
  work: (note: (reason: string) => void) => Promise<T>,
): Promise<T> {
  let reason: string | null = null;
  try {
    return await work((given) => {
      reason = given;
    });
  } catch (error) {
    await audit(ctx, "upstream_sign_in_refused", {
      meta,
      detail: { provider: providerId, reason: reason ?? reasonOf(error) },
    }).catch(() => undefined);
    throw error;
  }
}

/**
 * The callback: the provider read afresh (a removed one fails), the flow cookie opened and
 * its `state` consumed (a replay fails), the response checked and the code exchanged, then
 * who is who.
 * @throws ClientError `upstream_flow_invalid`, `upstream_response_invalid`; NotFoundError for a
 *   removed provider; PermissionDeniedError `upstream_account_not_found`, `account_locked`,
 *   `email_not_verified`; ConflictError `identity_linked_elsewhere`; TooManyRequestsError.
 */
export async function finishUpstreamSignIn(
  ctx: ServiceContext,
  deps: UpstreamDependencies,
  input: {
    providerId: string;
    /** The callback's query string, without `?`. */
    query: string;
    flowCookie: string | undefined;
    meta: RequestMeta;
    webauthn?: SecondFactorProvider | undefined;
  },
): Promise<UpstreamOutcome> {
  return audited(ctx, input.providerId, input.meta, async (note) => {
    // Read afresh: a provider removed on any instance answers 404 at once.
    const provider = await deps.registry.fresh(input.providerId);
    if (provider === undefined) {
      note("provider_removed");
      throw new NotFoundError("No such sign-in provider");
    }
    const nowMs = ctx.clock();
    const flow = openFlow(keysOf(deps), input.flowCookie, nowMs);
    if (flow === null || flow.providerId !== input.providerId) {
      note("no_flow");
      throw flowInvalid();
    }
    if ((await deps.challenges.consume(flow.state, FLOW_PURPOSE, nowMs)) === undefined) {
      note("flow_used");
      throw flowInvalid();
    }
    const redirectUri = callbackUrlOf(deps.publicUrl, provider.id);
    const identity = await deps.clients.exchange(
      provider,
      new URL(`${redirectUri}?${input.query}`),
      {
        state: flow.state,
        nonce: flow.nonce,
        codeVerifier: flow.codeVerifier,
        redirectUri,
      },
    );
    if (flow.linkUserId !== null) {
      const user = await getUserById(ctx.db, flow.linkUserId);
      if (user === undefined) throw flowInvalid();
      await linkIdentity(ctx, provider, identity, user.id, "account_page", input.meta);
      return { kind: "linked", userId: user.id };
    }
    if (typeof flow.invitationToken === "string") {
      const invited = await acceptInvitationThroughProvider(
        ctx,
        provider,
        identity,
        flow.invitationToken,
        input.meta,
      );
      return signIn(ctx, deps, provider, identity, invited, input);
    }
    const link = await findLinkedIdentity(ctx.db, provider.id, identity.subject);
    if (link !== undefined) {
      const user = await getUserById(ctx.db, link.userId);
      if (user === undefined) throw accountNotFound();
      return signIn(ctx, deps, provider, identity, user, input);
    }
    const ids = identity.email === null ? [] : await findAccountIdsByEmail(ctx.db, identity.email);
    const candidates = (await Promise.all(ids.map((id) => getUserById(ctx.db, id)))).flatMap(
      (user) =>
        user === undefined
          ? []
          : [{ userId: user.id, emailVerified: user.emailVerifiedAt !== null }],
    );
    const decision = decideFirstSignIn({
      policy: provider.linkPolicy,
      identity,
      candidates,
      mayCreateAccounts: provider.createAccounts || ctx.settings.signup === "open",
    });
    switch (decision.kind) {
      case "refuse":
        note(decision.reason);
        throw accountNotFound();
      case "ask":
        return pendingOutcome(ctx, deps, provider, identity, "link", null);
      case "link": {
        await linkIdentity(ctx, provider, identity, decision.userId, "verified_email", input.meta);
        const user = await getUserById(ctx.db, decision.userId);
        if (user === undefined) throw accountNotFound();
        return signIn(ctx, deps, provider, identity, user, input);
      }
      case "create": {
        const user = await createFederatedAccount(ctx, provider, identity, input.meta);
        return signIn(ctx, deps, provider, identity, user, input);
      }
    }
  });
}

async function pendingOutcome(
  ctx: ServiceContext,
  deps: UpstreamDependencies,
  provider: UpstreamProvider,
  identity: UpstreamIdentity,
  kind: PendingState["kind"],
  userId: string | null,
): Promise<UpstreamOutcome> {
  const nowMs = ctx.clock();
  const id = randomBytes(32).toString("base64url");
  await deps.challenges.put(
    { userId, purpose: PENDING_PURPOSE, challenge: id },
    UPSTREAM_PENDING_TTL_MS,
    nowMs,
  );
  const cookie = sealPending(deps.keyEncryptionKey, {
    kind,
    id,
    providerId: provider.id,
    identity,
    userId,
    expiresAtMs: nowMs + UPSTREAM_PENDING_TTL_MS,
  });
  return { kind: "pending", pending: kind, cookie };
}

/** Whether the upstream says the person gave several factors (`amr` `mfa`, or PAPE's `acr`). */
export function upstreamSaysMultiFactor(identity: Pick<UpstreamIdentity, "amr" | "acr">): boolean {
  return identity.amr.includes("mfa") || identity.acr === MULTI_FACTOR_ACR;
}

/** The session's `amr`: `fed`, the upstream's RFC 8176 values, and a factor given here. */
export function amrOf(
  identity: Pick<UpstreamIdentity, "amr">,
  factor: AuthenticationMethod | null,
): AuthenticationMethod[] {
  const known = new Set<string>(UPSTREAM_AUTHENTICATION_METHODS);
  const upstream = identity.amr.filter((m): m is AuthenticationMethod => known.has(m));
  return [
    ...new Set<AuthenticationMethod>(["fed", ...upstream, ...(factor === null ? [] : [factor])]),
  ];
}

async function signIn(
  ctx: ServiceContext,
  deps: UpstreamDependencies,
  provider: UpstreamProvider,
  identity: UpstreamIdentity,
  user: User,
  input: { meta: RequestMeta; webauthn?: SecondFactorProvider | undefined },
): Promise<UpstreamOutcome> {
  const { meta } = input;
  const deviceId = verifyDeviceToken(ctx.settings.jwtKeys, meta.deviceToken, user.id);
  const reservation = await ctx.throttle.reserveLoginAttempt({
    accountKey: user.id,
    address: meta.ip,
    deviceId,
  });
  if (isAccountLocked(user, ctx.clock())) {
    await ctx.throttle.releaseLoginAttempt(reservation);
    throw accountLockedError(user.lockedUntil);
  }
  await assertEmailVerifiedForSignIn(ctx, user, reservation, meta);
  const hasFactor =
    user.totpSecret !== null ||
    (input.webauthn !== undefined && (await input.webauthn.isConfigured(ctx, user)));
  if (hasFactor && !(provider.trustUpstreamMfa && upstreamSaysMultiFactor(identity))) {
    await ctx.throttle.releaseLoginAttempt(reservation);
    await audit(ctx, "login_two_fa_required", {
      userId: user.id,
      meta,
      detail: { provider: provider.id },
    });
    return pendingOutcome(ctx, deps, provider, identity, "second_factor", user.id);
  }
  const result = await completeLogin(ctx, user, meta, {
    reservation,
    method: `upstream:${provider.id}`,
    amr: amrOf(identity, null),
  });
  await touchLinkedIdentity(ctx.db, provider.id, identity.subject, ctx.clock());
  return { kind: "signed_in", result };
}
