/**
 * A pending upstream sign-in (issue 22 item 4), after the callback: its second factor, given
 * on Tessera's page through login's own `verifySecondFactor` and counted by the throttle; or
 * the confirmation of a link by a person who then signed in the usual way. Each is used once.
 */
import { ClientError, NotFoundError } from "../../core/errors.js";
import { findLinkedIdentity, getUserById, touchLinkedIdentity } from "../../store/index.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { verifyDeviceToken } from "../sign-in/device-cookie.js";
import {
  completeLogin,
  type LoginResult,
  type SecondFactorAnswer,
  type SecondFactorProvider,
  verifySecondFactor,
} from "../sign-in/login.js";
import { PENDING_PURPOSE, openPending, type PendingState } from "./flow-state.js";
import { linkIdentity } from "./linking.js";
import { amrOf, audited } from "./sign-in.js";
import type { UpstreamDependencies } from "./types.js";

function flowInvalid(): ClientError {
  return new ClientError("This sign-in is unknown, expired or already used: start again", {
    code: "upstream_flow_invalid",
  });
}

/** The pending sign-in a cookie holds, for the page (no secret in it). @throws upstream_flow_invalid. */
export function describePending(
  ctx: ServiceContext,
  deps: UpstreamDependencies,
  cookie: string | undefined,
): PendingState {
  const pending = openPending(
    [deps.keyEncryptionKey, ...deps.previousKeyEncryptionKeys],
    cookie,
    ctx.clock(),
  );
  if (pending === null) throw flowInvalid();
  return pending;
}

/**
 * The second factor of a pending upstream sign-in, given on Tessera's page: login's own
 * `verifySecondFactor` (with no answer: 403 `two_fa_required` and its `extra`, as `POST
 * /login`), counted by the throttle; then the pending sign-in is used up and the session made.
 * @throws ClientError `upstream_flow_invalid`, `invalid_two_fa_code`; PermissionDeniedError
 *   `two_fa_required`, `account_locked`; NotFoundError for a removed provider.
 */
export async function completeUpstreamSecondFactor(
  ctx: ServiceContext,
  deps: UpstreamDependencies,
  input: {
    cookie: string | undefined;
    answer: SecondFactorAnswer;
    meta: RequestMeta;
    webauthn?: SecondFactorProvider | undefined;
  },
): Promise<LoginResult> {
  const pending = describePending(ctx, deps, input.cookie);
  if (pending.kind !== "second_factor" || pending.userId === null) throw flowInvalid();
  return audited(ctx, pending.providerId, input.meta, async (note) => {
    const provider = await deps.registry.fresh(pending.providerId);
    if (provider === undefined) {
      note("provider_removed");
      throw new NotFoundError("No such sign-in provider");
    }
    const link = await findLinkedIdentity(ctx.db, provider.id, pending.identity.subject);
    const user = await getUserById(ctx.db, pending.userId as string);
    if (link?.userId !== pending.userId || user === undefined) {
      note("link_gone");
      throw flowInvalid();
    }
    const { meta } = input;
    const deviceId = verifyDeviceToken(ctx.settings.jwtKeys, meta.deviceToken, user.id);
    const reservation = await ctx.throttle.reserveLoginAttempt({
      accountKey: user.id,
      address: meta.ip,
      deviceId,
    });
    const factor = await verifySecondFactor(ctx, user, input.answer, meta, {
      webauthn: input.webauthn,
      lane: deviceId === null ? "default" : "trusted",
      beforeRequired: () => ctx.throttle.releaseLoginAttempt(reservation),
    });
    if ((await deps.challenges.consume(pending.id, PENDING_PURPOSE, ctx.clock())) === undefined) {
      await ctx.throttle.releaseLoginAttempt(reservation);
      note("pending_used");
      throw flowInvalid();
    }
    const result = await completeLogin(ctx, user, meta, {
      reservation,
      method: `upstream:${provider.id}`,
      amr: amrOf(pending.identity, factor),
    });
    await touchLinkedIdentity(ctx.db, provider.id, pending.identity.subject, ctx.clock());
    return result;
  });
}

/**
 * The confirmation of a pending link by a person who then signed in the usual way: the
 * identity is linked to the signed-in account (audited). Used once.
 * @throws ClientError `upstream_flow_invalid`; ConflictError `identity_linked_elsewhere`.
 */
export async function confirmUpstreamLink(
  ctx: ServiceContext,
  deps: UpstreamDependencies,
  input: { cookie: string | undefined; userId: string; meta: RequestMeta },
): Promise<{ providerId: string }> {
  const pending = describePending(ctx, deps, input.cookie);
  if (pending.kind !== "link") throw flowInvalid();
  return audited(ctx, pending.providerId, input.meta, async (note) => {
    const provider = await deps.registry.fresh(pending.providerId);
    if (provider === undefined) {
      note("provider_removed");
      throw new NotFoundError("No such sign-in provider");
    }
    if ((await deps.challenges.consume(pending.id, PENDING_PURPOSE, ctx.clock())) === undefined) {
      note("pending_used");
      throw flowInvalid();
    }
    await linkIdentity(ctx, provider, pending.identity, input.userId, "confirmed", input.meta);
    return { providerId: provider.id };
  });
}
