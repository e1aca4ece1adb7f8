/**
 * Passkeys: registration for the signed-in user, listing, renaming, removal, the second factor
 * at login, and passwordless sign-in with a discoverable credential. The WebAuthn checks are in
 * `core/webauthn`; here live the challenges (used once, 5 minutes), ownership, the atomic
 * signature-counter update and the audit trail.
 */
import {
  ClientError,
  NotFoundError,
  PermissionDeniedError,
  isTesseraError,
} from "../core/errors.js";
import {
  DEFAULT_CHALLENGE_TIMEOUT_MS,
  createAuthenticationOptions,
  createRegistrationOptions,
  readAssertionIdentity,
  verifyAuthentication,
  verifyRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RelyingParty,
} from "../core/webauthn/index.js";
import type { ChallengeStore } from "../store/challenge-store.js";
import {
  addWebauthnCredential,
  countWebauthnCredentials,
  deleteWebauthnCredential,
  getUserById,
  getWebauthnCredentialById,
  listWebauthnCredentials,
  renameWebauthnCredential,
  updateWebauthnCredentialCounter,
  type User,
  type WebauthnCredential,
} from "../store/index.js";
import { audit } from "./audit.js";
import type { Actor, RequestMeta, ServiceContext } from "./context.js";
import { completeLogin, type LoginResult, type SecondFactorProvider } from "./login.js";
import { loadTarget } from "./passwords.js";

/** What a challenge is for: one may not be used for another. */
export const CHALLENGE_PURPOSES = Object.freeze({
  register: "webauthn_register",
  secondFactor: "webauthn_login_2fa",
  passwordless: "webauthn_passwordless",
});

/** What the passkey flows need besides the services context. */
export interface PasskeyDependencies {
  rp: RelyingParty;
  challenges: ChallengeStore;
}

/** A passkey on the wire. */
export interface PasskeyView {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  device_type: string;
  backed_up: boolean;
}

export function toPasskeyView(credential: WebauthnCredential): PasskeyView {
  return {
    id: credential.id,
    name: credential.name,
    created_at: credential.createdAt.toISOString(),
    last_used_at: credential.lastUsedAt === null ? null : credential.lastUsedAt.toISOString(),
    device_type: credential.deviceType,
    backed_up: credential.backedUp,
  };
}

/**
 * The challenge a response answers, read from its clientDataJSON (W3C WebAuthn §5.8.1), so it
 * can be looked up; the ceremony then checks it again with everything else.
 * @throws ClientError `webauthn_invalid_response` when the response has no readable challenge.
 */
export function readResponseChallenge(response: unknown): string {
  const invalid = () =>
    new ClientError("The passkey response is malformed (response.clientDataJSON)", {
      code: "webauthn_invalid_response",
    });
  if (typeof response !== "object" || response === null) throw invalid();
  const inner = (response as { response?: unknown }).response;
  if (typeof inner !== "object" || inner === null) throw invalid();
  const encoded = (inner as { clientDataJSON?: unknown }).clientDataJSON;
  if (typeof encoded !== "string" || encoded.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(encoded))
    throw invalid();
  let clientData: unknown;
  try {
    clientData = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const challenge = (clientData as { challenge?: unknown } | null)?.challenge;
  if (typeof challenge !== "string" || challenge === "") throw invalid();
  return challenge;
}

function challengeInvalid(): ClientError {
  return new ClientError("The passkey challenge is unknown, used or expired", {
    code: "webauthn_challenge_invalid",
  });
}

function selfOnly(actor: Actor, targetId: string): void {
  if (actor.id !== targetId)
    throw new PermissionDeniedError("Only users themselves may add passkeys");
}

/** Creation options for a new passkey of the signed-in user (existing ones excluded). */
export async function startPasskeyRegistration(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  actor: Actor,
  targetId: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  selfOnly(actor, targetId);
  const user = await getUserById(ctx.db, targetId);
  if (user === undefined) throw new NotFoundError("No such user");
  const existing = await listWebauthnCredentials(ctx.db, user.id);
  const options = await createRegistrationOptions({
    rp: deps.rp,
    user: { id: user.id, name: user.name, displayName: user.name },
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
  });
  await deps.challenges.put(
    { userId: user.id, purpose: CHALLENGE_PURPOSES.register, challenge: options.challenge },
    DEFAULT_CHALLENGE_TIMEOUT_MS,
    ctx.clock(),
  );
  return options;
}

/**
 * Verifies the authenticator's answer and stores the passkey.
 * @throws ClientError (`webauthn_*`), ConflictError (credential already registered), PermissionDeniedError.
 */
export async function finishPasskeyRegistration(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  actor: Actor,
  targetId: string,
  input: { response: unknown; name: string },
  meta: RequestMeta,
): Promise<PasskeyView> {
  selfOnly(actor, targetId);
  const challenge = readResponseChallenge(input.response);
  const stored = await deps.challenges.consume(challenge, CHALLENGE_PURPOSES.register, ctx.clock());
  if (stored === undefined || stored.userId !== actor.id) throw challengeInvalid();
  const registered = await verifyRegistration({
    rp: deps.rp,
    response: input.response,
    expectedChallenge: challenge,
  });
  const credential = await addWebauthnCredential(
    ctx.db,
    {
      id: registered.id,
      userId: actor.id,
      publicKey: registered.publicKey,
      counter: registered.counter,
      transports: [...registered.transports],
      name: input.name,
      deviceType: registered.deviceType,
      backedUp: registered.backedUp,
    },
    new Date(ctx.clock()),
  );
  await audit(ctx, "passkey_added", {
    userId: actor.id,
    meta,
    detail: { credential_id: credential.id },
  });
  return toPasskeyView(credential);
}

/** The passkeys of a user (self or admin). */
export async function listPasskeys(
  ctx: ServiceContext,
  actor: Actor,
  targetId: string,
): Promise<PasskeyView[]> {
  const target = await loadTarget(ctx, actor, targetId);
  return (await listWebauthnCredentials(ctx.db, target.id)).map(toPasskeyView);
}

/** Renames a passkey (self or admin). @throws NotFoundError. */
export async function renamePasskey(
  ctx: ServiceContext,
  actor: Actor,
  targetId: string,
  credentialId: string,
  name: string,
  meta: RequestMeta,
): Promise<PasskeyView> {
  const target = await loadTarget(ctx, actor, targetId);
  if (!(await renameWebauthnCredential(ctx.db, target.id, credentialId, name))) {
    throw new NotFoundError("No such passkey");
  }
  const credential = await getWebauthnCredentialById(ctx.db, credentialId);
  if (credential === undefined) throw new NotFoundError("No such passkey");
  await audit(ctx, "passkey_renamed", {
    userId: target.id,
    meta,
    detail: { by: actor.id, credential_id: credentialId },
  });
  return toPasskeyView(credential);
}

/** Removes a passkey (self or admin, audited). @throws NotFoundError. */
export async function removePasskey(
  ctx: ServiceContext,
  actor: Actor,
  targetId: string,
  credentialId: string,
  meta: RequestMeta,
): Promise<void> {
  const target = await loadTarget(ctx, actor, targetId);
  if (!(await deleteWebauthnCredential(ctx.db, target.id, credentialId)))
    throw new NotFoundError("No such passkey");
  await audit(ctx, "passkey_removed", {
    userId: target.id,
    meta,
    detail: { by: actor.id, credential_id: credentialId },
  });
}

/**
 * Checks an assertion against a stored credential and moves its counter forward atomically.
 * A counter that does not increase is audited as a possible cloned authenticator.
 */
async function verifyAssertion(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  credential: WebauthnCredential,
  response: unknown,
  challenge: string,
  requireUserVerification: boolean,
  meta: RequestMeta,
): Promise<void> {
  try {
    const result = await verifyAuthentication({
      rp: deps.rp,
      response,
      expectedChallenge: challenge,
      credential: {
        id: credential.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: credential.transports,
        // §7.2 step 19: backup eligibility may not change; a multi-device credential is eligible.
        backupEligible: credential.deviceType === "multiDevice",
      },
      expectedUserId: credential.userId,
      requireUserVerification,
    });
    // Two racing assertions with one counter value: the database lets one through.
    if (
      !(await updateWebauthnCredentialCounter(
        ctx.db,
        credential.id,
        result.newCounter,
        new Date(ctx.clock()),
      ))
    ) {
      throw new ClientError("The passkey's signature counter did not increase", {
        code: "webauthn_counter_error",
      });
    }
  } catch (error) {
    if (isTesseraError(error) && error.code === "webauthn_counter_error") {
      await audit(ctx, "webauthn_counter_error", {
        userId: credential.userId,
        meta,
        detail: {
          credential_id: credential.id,
          stored_counter: credential.counter,
          possible_clone: true,
        },
      });
    }
    throw error;
  }
}

/** Passkeys as the login's second factor (see `login`). */
export function createPasskeySecondFactor(
  rp: RelyingParty,
  challenges: ChallengeStore,
): SecondFactorProvider {
  const deps: PasskeyDependencies = { rp, challenges };
  return {
    isConfigured: async (ctx, user) => (await countWebauthnCredentials(ctx.db, user.id)) > 0,
    async challenge(ctx, user) {
      const credentials = await listWebauthnCredentials(ctx.db, user.id);
      const options = await createAuthenticationOptions({
        rp,
        allowCredentials: credentials.map((c) => ({ id: c.id, transports: c.transports })),
        userVerification: "preferred",
      });
      await challenges.put(
        { userId: user.id, purpose: CHALLENGE_PURPOSES.secondFactor, challenge: options.challenge },
        DEFAULT_CHALLENGE_TIMEOUT_MS,
        ctx.clock(),
      );
      return { webauthn_options: options };
    },
    async verify(ctx, user, response, meta) {
      const challenge = readResponseChallenge(response);
      const { credentialId } = readAssertionIdentity(response);
      const stored = await challenges.consume(
        challenge,
        CHALLENGE_PURPOSES.secondFactor,
        ctx.clock(),
      );
      if (stored === undefined || stored.userId !== user.id) throw challengeInvalid();
      const credential = await getWebauthnCredentialById(ctx.db, credentialId);
      // A credential of another user is no second factor for this one.
      if (credential === undefined || credential.userId !== user.id) return false;
      try {
        await verifyAssertion(ctx, deps, credential, response, challenge, false, meta);
      } catch (error) {
        if (isTesseraError(error) && error.code === "webauthn_verification_failed") return false;
        throw error;
      }
      return true;
    },
  };
}

/**
 * The throttle's "account" of a passwordless attempt: the sending address together with the
 * credential it names, so forgeries naming a victim's credential lock out only their sender
 * (the per-address limit applies on top).
 */
function passwordlessKey(meta: RequestMeta, credentialId: string): string {
  return `passkey:${meta.ip}:${credentialId}`;
}

/** Request options for passwordless sign-in: no user named, user verification required. */
export async function startPasswordlessLogin(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  meta: RequestMeta,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  // A locked-out address gets no new challenges either.
  await ctx.throttle.assertLoginAllowed({
    accountKey: passwordlessKey(meta, "options"),
    address: meta.ip,
  });
  const options = await createAuthenticationOptions({
    rp: deps.rp,
    allowCredentials: [],
    userVerification: "required",
  });
  await deps.challenges.put(
    { userId: null, purpose: CHALLENGE_PURPOSES.passwordless, challenge: options.challenge },
    DEFAULT_CHALLENGE_TIMEOUT_MS,
    ctx.clock(),
  );
  return options;
}

/**
 * Signs in with a discoverable passkey: the credential names the user (and its user handle must
 * agree). Failures count against the client address like failed logins.
 * @throws ClientError (`webauthn_*`), TooManyRequestsError.
 */
export async function finishPasswordlessLogin(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  response: unknown,
  meta: RequestMeta,
): Promise<LoginResult> {
  // Keyed by address and credential, not by the credential id alone: naming a victim's id must
  // not lock the victim out.
  let credentialId = "malformed";
  try {
    credentialId = readAssertionIdentity(response).credentialId;
  } catch {
    // Counted below under "malformed" for this address.
  }
  const accountKey = passwordlessKey(meta, credentialId);
  await ctx.throttle.assertLoginAllowed({ accountKey, address: meta.ip });
  let user: User | undefined;
  try {
    const identity = readAssertionIdentity(response);
    // §7.2 step 6: with no user named beforehand, the user handle must be there and be the owner's.
    if (identity.userId === null) {
      throw new ClientError("The passkey response has no user handle", {
        code: "webauthn_verification_failed",
      });
    }
    const challenge = readResponseChallenge(response);
    const stored = await deps.challenges.consume(
      challenge,
      CHALLENGE_PURPOSES.passwordless,
      ctx.clock(),
    );
    if (stored === undefined) throw challengeInvalid();
    const credential = await getWebauthnCredentialById(ctx.db, identity.credentialId);
    if (credential === undefined || identity.userId !== credential.userId) {
      throw new ClientError("The passkey could not be verified", {
        code: "webauthn_verification_failed",
      });
    }
    await verifyAssertion(ctx, deps, credential, response, challenge, true, meta);
    user = await getUserById(ctx.db, credential.userId);
    if (user === undefined) {
      throw new ClientError("The passkey could not be verified", {
        code: "webauthn_verification_failed",
      });
    }
  } catch (error) {
    await ctx.throttle.recordLoginFailure({ accountKey, address: meta.ip });
    await audit(ctx, "login_failed", {
      userId: user?.id ?? null,
      meta,
      detail: { reason: "passkey", code: isTesseraError(error) ? error.code : "error" },
    });
    throw error;
  }
  return completeLogin(ctx, user, meta, { accountKey: user.id, method: "passkey" });
}
