/**
 * The person's own links (issue 22 item 3, the account page's "Linked sign-ins") and the
 * providers the sign-in page offers. Unlinking the last way to sign in is refused: a person
 * with no password (an account a provider created, none set since), no passkey and no other
 * link keeps this one.
 */
import { ConflictError, NotFoundError } from "../../core/errors.js";
import {
  countWebauthnCredentials,
  deleteLinkedIdentities,
  getUserById,
  listLinkedIdentities,
  withTransaction,
  type User,
} from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import type { UpstreamDependencies } from "./types.js";

/** A provider on the sign-in page. */
export interface OfferedProvider {
  readonly id: string;
  readonly name: string;
  /** False while the provider's discovery fails (the button says it is unavailable). */
  readonly available: boolean;
}

/** The providers to offer, in the order they were added; starts discovery of new ones. */
export async function offeredProviders(deps: UpstreamDependencies): Promise<OfferedProvider[]> {
  const providers = await deps.registry.list();
  return providers.map((provider) => {
    deps.clients.warm(provider);
    return {
      id: provider.id,
      name: provider.name,
      available: !deps.clients.unavailable(provider),
    };
  });
}

/** One of a person's links. */
export interface LinkedSignIn {
  readonly providerId: string;
  readonly providerName: string;
  readonly emailAtLink: string | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

/** The person's links, with the providers' names. */
export async function listLinkedSignIns(
  ctx: ServiceContext,
  deps: UpstreamDependencies,
  userId: string,
): Promise<LinkedSignIn[]> {
  const providers = new Map((await deps.registry.list()).map((p) => [p.id, p.name]));
  const links = await listLinkedIdentities(ctx.db, userId);
  return links.map((link) => ({
    providerId: link.providerId,
    providerName: providers.get(link.providerId) ?? link.providerId,
    emailAtLink: link.emailAtLink,
    createdAt: link.createdAt,
    lastUsedAt: link.lastUsedAt,
  }));
}

/** Whether the user has a password they can sign in with (an account a provider created has none). */
export function hasUsablePassword(user: User): boolean {
  return user.passwordHash !== null;
}

/**
 * Removes the person's link through `providerId` (audited).
 * @throws NotFoundError when there is none; ConflictError `last_sign_in_method`.
 */
export async function unlinkSignIn(
  ctx: ServiceContext,
  userId: string,
  providerId: string,
  meta: RequestMeta,
): Promise<void> {
  const user = await getUserById(ctx.db, userId);
  if (user === undefined) throw new NotFoundError("No such user");
  const links = await listLinkedIdentities(ctx.db, user.id);
  if (!links.some((link) => link.providerId === providerId)) {
    throw new NotFoundError("No such linked sign-in");
  }
  const others = links.filter((link) => link.providerId !== providerId).length;
  if (
    others === 0 &&
    (await countWebauthnCredentials(ctx.db, user.id)) === 0 &&
    !hasUsablePassword(user)
  ) {
    throw new ConflictError(
      "This is your only way to sign in: set a password or add a passkey first",
      { code: "last_sign_in_method" },
    );
  }
  await withTransaction(ctx.db, async (trx) => {
    await deleteLinkedIdentities(trx, user.id, providerId);
    await audit({ ...ctx, db: trx }, "upstream_unlinked", {
      userId: user.id,
      meta,
      detail: { provider: providerId },
    });
  });
}
