/**
 * Who is who (issue 22 item 3). An identity is (provider, upstream `sub`), never an email. A
 * first sign-in with an unknown identity is decided by `decideFirstSignIn`, a pure function of
 * the provider's policy, what the upstream said and the local accounts with that address:
 * - one local account has the address: linked at once only under `verified-email` (the
 *   default) when the upstream says `email_verified: true` AND the local address is verified
 *   too; otherwise the person is asked to sign in to that account the usual way and confirm
 *   (`sign-in-first` always asks); `never` never links;
 * - several accounts match: ask, never pick one;
 * - none: an account is created only with `--create-accounts` or `TESSERA_SIGNUP=open`, and only
 *   for an address the upstream verified; otherwise the answer says to get an account first.
 * A link, once made, follows the `sub`: an upstream that changes the address of a known `sub`
 * does not move it.
 */
import { randomBytes } from "node:crypto";
import { ConflictError, PermissionDeniedError } from "../../core/errors.js";
import {
  findLinkedIdentity,
  insertLinkedIdentity,
  insertUser,
  withTransaction,
  type User,
} from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import type { LinkPolicy, UpstreamIdentity, UpstreamProvider } from "./types.js";

/** A local account with the upstream's address, as the decision sees it. */
export interface LinkCandidate {
  readonly userId: string;
  readonly emailVerified: boolean;
}

/** What a first sign-in with an unknown identity does. */
export type FirstSignInDecision =
  | { readonly kind: "link"; readonly userId: string }
  | { readonly kind: "ask" }
  | { readonly kind: "create" }
  | { readonly kind: "refuse"; readonly reason: string };

/** The rules above, as data in, decision out. */
export function decideFirstSignIn(input: {
  policy: LinkPolicy;
  identity: Pick<UpstreamIdentity, "email" | "emailVerified">;
  candidates: readonly LinkCandidate[];
  mayCreateAccounts: boolean;
}): FirstSignInDecision {
  const { policy, identity, candidates } = input;
  if (candidates.length === 0) {
    if (!input.mayCreateAccounts) return { kind: "refuse", reason: "no_account" };
    if (identity.email === null || !identity.emailVerified) {
      return { kind: "refuse", reason: "no_verified_email_to_create" };
    }
    return { kind: "create" };
  }
  // The same answer as "no account": who has an account here is not told to the provider's user.
  if (policy === "never") return { kind: "refuse", reason: "link_never" };
  const only = candidates.length === 1 ? candidates[0] : undefined;
  if (
    policy === "verified-email" &&
    only !== undefined &&
    identity.emailVerified === true &&
    only.emailVerified
  ) {
    return { kind: "link", userId: only.userId };
  }
  return { kind: "ask" };
}

/** The refusal of a person without an account here (the same for every reason). */
export function accountNotFound(): PermissionDeniedError {
  return new PermissionDeniedError(
    "No account here matches this sign-in: ask for an account or an invitation first",
    { code: "upstream_account_not_found" },
  );
}

/**
 * Links (provider, subject) to `userId`, audited with `how`. A link to the same account is
 * fine (twice the same confirmation); to another account it is refused.
 * @throws ConflictError `identity_linked_elsewhere`.
 */
export async function linkIdentity(
  ctx: ServiceContext,
  provider: UpstreamProvider,
  identity: UpstreamIdentity,
  userId: string,
  how: string,
  meta: RequestMeta,
): Promise<void> {
  await withTransaction(ctx.db, async (trx) => {
    const inserted = await insertLinkedIdentity(
      trx,
      { providerId: provider.id, subject: identity.subject, userId, emailAtLink: identity.email },
      ctx.clock(),
    );
    if (!inserted) {
      const existing = await findLinkedIdentity(trx, provider.id, identity.subject);
      if (existing?.userId === userId) return;
      throw new ConflictError("This sign-in already belongs to another account", {
        code: "identity_linked_elsewhere",
      });
    }
    await audit({ ...ctx, db: trx }, "upstream_linked", {
      userId,
      meta,
      detail: { provider: provider.id, how },
    });
  });
}

/** A user name from what the upstream said: letters, digits, `.`, `_` and `-`, never `@`. */
function nameFrom(identity: UpstreamIdentity): string {
  const source =
    identity.preferredUsername ?? identity.email?.split("@")[0] ?? identity.name ?? "user";
  const cleaned = source
    .normalize("NFKC")
    .replace(/[^\p{L}\p{N}._-]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return cleaned === "" ? "user" : cleaned;
}

/**
 * Creates an account for a person the upstream verified the address of, with no password
 * (as a passkey-first account: `has_password` false, it may set one), linked to the identity;
 * audited.
 * @throws PermissionDeniedError `upstream_account_not_found` when the address was taken meanwhile.
 */
export async function createFederatedAccount(
  ctx: ServiceContext,
  provider: UpstreamProvider,
  identity: UpstreamIdentity,
  meta: RequestMeta,
): Promise<User> {
  const email = identity.email;
  if (email === null) throw accountNotFound();
  const base = nameFrom(identity);
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const name = attempt === 0 ? base : `${base}-${randomBytes(3).toString("hex")}`;
    try {
      return await withTransaction(ctx.db, async (trx) => {
        const nowMs = ctx.clock();
        const user = await insertUser(trx, {
          name,
          email,
          // No password (a passkey-first account's null, issue 24): it may set one later.
          passwordHash: null,
          isAdmin: false,
          mustChangePassword: false,
          nowMs,
          emailVerifiedAtMs: nowMs,
        });
        const tx = { ...ctx, db: trx };
        await audit(tx, "user_created", {
          userId: user.id,
          meta,
          detail: { by: "upstream", provider: provider.id },
        });
        if (
          !(await insertLinkedIdentity(
            trx,
            {
              providerId: provider.id,
              subject: identity.subject,
              userId: user.id,
              emailAtLink: email,
            },
            nowMs,
          ))
        ) {
          // Two first sign-ins of one identity at once: the other one created the account.
          throw new ConflictError("This sign-in already belongs to another account", {
            code: "identity_linked_elsewhere",
          });
        }
        await audit(tx, "upstream_linked", {
          userId: user.id,
          meta,
          detail: { provider: provider.id, how: "created" },
        });
        return user;
      });
    } catch (error) {
      const field = error instanceof ConflictError ? error.extra?.field : undefined;
      if (field === "name") continue;
      if (field === "email") throw accountNotFound();
      throw error;
    }
  }
  throw accountNotFound();
}
